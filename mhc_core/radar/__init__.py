"""The live radar: who just walked in, what his own memory and Statbate know of him (enrichment), and tiers."""
