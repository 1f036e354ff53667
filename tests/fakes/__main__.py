"""Run the fake APIs by hand: ``python -m tests.fakes --port 8765 --rate 5 --scripted``.

Prints the MHC_* variables that point the console at it, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading

from tests.fakes.events import hostile_events, scripted_broadcast
from tests.fakes.server import FakeApis, LiveStream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--rate", type=float, default=0.0, help="live random events per second (0: none)")
    parser.add_argument(
        "--scripted", action="store_true", help="push one scripted broadcast (all 12 methods)"
    )
    parser.add_argument(
        "--hostile", action="store_true", help="push hostile and damaged events (escapes, NUL, bad amounts)"
    )
    parser.add_argument("--events-per-batch", type=int, default=100)
    parser.add_argument("--broadcaster", default="hudson_cage")
    parser.add_argument("--online", action="store_true", help="stats say the broadcaster is online")
    parser.add_argument(
        "--member", action="append", default=[], help="a Statbate member to know (repeatable)"
    )
    parser.add_argument("--model", action="append", default=[], help="a Statbate model to know (repeatable)")
    parser.add_argument("--every-name-a-member", action="store_true",
                        help="Statbate knows every name (all-time tokens made from the name)")
    args = parser.parse_args(argv)

    fake = FakeApis(
        host=args.host, port=args.port, broadcaster=args.broadcaster, events_per_batch=args.events_per_batch,
        every_name_a_member=args.every_name_a_member,
    )
    fake.stats_payload["username"] = args.broadcaster
    if args.online:
        fake.stats_payload.update(time_online=42, num_viewers=17, num_registered_viewers=12)
    for name in args.member or ["alice_01", "bob_the_tipper"]:
        fake.add_member(name)
    for name in args.model or [args.broadcaster]:
        fake.add_model(name)
    fake.start()
    if args.scripted:
        fake.push(*scripted_broadcast(args.broadcaster))
    if args.hostile:
        fake.push(*hostile_events(args.broadcaster))
    stream = LiveStream(fake, args.rate).start() if args.rate > 0 else None

    print(f"Fake APIs on {fake.base_url}  (Events, Stats at /, Statbate at /statbate/api)")
    for key, value in fake.env().items():
        print(f"export {key}={value}")
    # What Chaturbate's settings page gives to copy, for the setup screen and `mhc setup --events-url`.
    print(f"Events API URL: {fake.events_base_url}/events/{args.broadcaster}/{fake.events_token}/")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping")
    finally:
        if stream is not None:
            stream.stop()
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
