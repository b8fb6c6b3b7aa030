"""``python -m hub`` / ``citybrain-hub``: serve, manage users, simulate."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from datetime import timedelta
from pathlib import Path

from platformdirs import user_data_dir

from console.protocol import CATEGORIES, ROLES

COMMANDS = ("serve", "adduser", "revoke", "simulate")


def _default_data() -> Path:
    return Path(user_data_dir("citybrain-hub", "citybrain"))


def _grace(text: str) -> tuple[str, int]:
    cat, _, secs = text.partition("=")
    if cat not in CATEGORIES or not secs.isdigit():
        raise argparse.ArgumentTypeError(f"expected CATEGORY=SECONDS, got {text!r}")
    return cat, int(secs)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citybrain-hub", description="City Brain event hub")
    sub = p.add_subparsers(dest="cmd")
    s = sub.add_parser("serve", help="run the hub (the default)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--data", type=Path, default=None, help="data directory (default: per-user)")
    s.add_argument("--demo", action="store_true", help="seed the Wuhai demo data and demo users")
    s.add_argument("--simulate", action="store_true", help="run the demo feeder against this hub")
    s.add_argument("--speed", type=float, default=1.0, help="clock rate: 60 = an hour a minute")
    s.add_argument("--grid", type=Path, default=None, help="grid GeoJSON (default: bundled Wuhai grid)")
    s.add_argument("--durability", choices=("normal", "full"), default="normal",
                   help="normal survives a hub crash; full also survives power loss (slower)")
    s.add_argument("--token-ttl-days", type=float, default=7.0)
    s.add_argument("--retention-days", type=float, default=7.0)
    s.add_argument("--grace", type=_grace, action="append", default=[],
                   help="AI grace period override, e.g. illegal_parking=900")
    s.add_argument("--roster", type=Path, default=None,
                   help="grid workers on duty, JSON {community code: {name, phone}} "
                        "(--demo: the demo roster)")
    s.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    s.add_argument("--log-level", default="INFO")
    a = sub.add_parser("adduser", help="add or update a user (prompts for the password)")
    a.add_argument("name")
    a.add_argument("--role", choices=ROLES, required=True)
    a.add_argument("--data", type=Path, default=None)
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    r = sub.add_parser("revoke", help="revoke every token of a user")
    r.add_argument("name")
    r.add_argument("--data", type=Path, default=None)
    m = sub.add_parser("simulate", help="feed a running hub with the demo day")
    m.add_argument("--hub", default="ws://127.0.0.1:8765/ws")
    m.add_argument("--user", default="demo-feeder")
    m.add_argument("--password", default="demo")
    m.add_argument("--speed", type=float, default=1.0)
    m.add_argument("--log-level", default="INFO")
    return p


def _storage(data: Path | None):
    from hub.storage import Storage
    return Storage((data or _default_data()) / "hub.sqlite3")


def cmd_serve(args) -> int:
    from hub.app import build_server, run_server
    from hub.clock import ScaledClock, SystemClock
    from hub.core import HubRules
    from hub.server import HubConfig
    data = args.data or _default_data()
    rules = HubRules(grace_overrides=dict(args.grace), retention=timedelta(days=args.retention_days))
    if args.roster:
        from console.domain.demo import load_grid_workers
        rules.duty_roster = {code: w.person for code, w in load_grid_workers(args.roster).items()}
    config = HubConfig(data_dir=data, host=args.host, port=args.port, durability=args.durability,
                       token_ttl=timedelta(days=args.token_ttl_days), rules=rules,
                       compression="deflate" if args.compression else None)
    clock = ScaledClock(args.speed) if args.speed != 1.0 else SystemClock()
    server = build_server(config, clock, demo=args.demo, grid_file=args.grid)
    logging.getLogger("hub").info("data in %s", data)
    asyncio.run(run_server(server, simulate=args.simulate))
    return 0


def cmd_adduser(args) -> int:
    from hub.security import hash_password
    from console.protocol import now_ts
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("passwords differ; nothing changed", file=sys.stderr)
            return 1
    if len(password) < 4:
        print("password too short (at least 4 characters); nothing changed", file=sys.stderr)
        return 1
    st = _storage(args.data)
    st.put_user(args.name, args.role, hash_password(password), now_ts())
    print(f"user {args.name} ({args.role}) saved")
    return 0


def cmd_revoke(args) -> int:
    n = _storage(args.data).revoke_user_tokens(args.name)
    print(f"revoked {n} token(s) of {args.name}")
    return 0


def cmd_simulate(args) -> int:
    from hub.clock import ScaledClock, SystemClock
    from hub.simulator import Simulator
    clock = ScaledClock(args.speed) if args.speed != 1.0 else SystemClock()
    try:
        asyncio.run(Simulator(args.hub, user=args.user, password=args.password, clock=clock).run())
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS + ("-h", "--help"):
        argv.insert(0, "serve")
    args = parser().parse_args(argv)
    logging.basicConfig(level=getattr(args, "log_level", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return {"serve": cmd_serve, "adduser": cmd_adduser, "revoke": cmd_revoke,
            "simulate": cmd_simulate}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
