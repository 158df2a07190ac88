"""manage.py bench chat|idle|seed|profile: the load benchmark (docs/performance.md).

    manage.py bench chat --conversations 1000 --rate 1000 --duration 60
    manage.py bench chat ... --processes 2 --database-url private --redis-url private
    manage.py bench idle --clients 5000
    manage.py bench attack --clients 60 --duration 20 [--login-flood 8]
    manage.py bench report --records 100000 --repeats 5 [--database-url private]

By default the command starts its own server as `make run` does (a fresh
SQLite database in a temporary directory, migrate, seed_demo, the bench
counsellors) on a free port and stops it afterwards; `--url` targets a running
server instead (seeding the database this process's settings name).
"""

from __future__ import annotations

import math
import sys
from argparse import ArgumentParser, BooleanOptionalAction
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bench import report
from bench.loadgen import ConversationSpec, raise_fd_limit
from bench.processes import Processes, StartFailed, run
from bench.seed import BENCH_PASSWORD, desk_slug, seed_bench, staff_username
from bench.server import (
    RAISED_RATE_LIMITS,
    ServerSampler,
    Target,
    listening_pids,
    prepare_database,
    private_postgres,
    private_redis,
    server_env,
    staff_cookie,
    start_relay,
    start_servers,
    temporary_directory,
)


class Command(BaseCommand):
    help = "Load benchmark: conversations over the real WebSocket protocol, idle clients, and a bare relay to compare."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        chat = actions.add_parser("chat", help="conversations exchanging messages at a fixed total rate")
        chat.add_argument("--conversations", type=int, default=100)
        chat.add_argument("--rate", type=float, default=100, help="messages per second, in total")
        chat.add_argument("--duration", type=float, default=60, help="seconds of sending")
        chat.add_argument("--grace", type=float, default=10, help="seconds to wait for late messages")
        chat.add_argument(
            "--per-staff",
            type=int,
            default=10,
            help="conversations per bench counsellor and desk (each logs in once through the login form)",
        )
        chat.add_argument(
            "--staff-sockets",
            choices=("staff", "conversation"),
            default="conversation",
            help="a counsellor socket per conversation (default), or one per bench counsellor carrying all theirs",
        )
        chat.add_argument("--relay", action=BooleanOptionalAction, default=True, help="also measure the bare relay")
        chat.add_argument("--profile", default="", help="py-spy the server while sending: FILE.svg or FILE.txt (raw)")
        chat.add_argument("--profile-idle", action="store_true", help="profile waiting threads too (py-spy --idle)")
        chat.add_argument(
            "--uploads",
            type=int,
            default=0,
            help="also run the same load again with this many simultaneous picture uploads (issue 14)",
        )
        chat.add_argument("--upload-mb", type=float, default=5.0, help="the size of each uploaded picture")
        chat.add_argument("--upload-at", type=float, default=10.0, help="seconds into the sending when they start")
        self.common(chat)

        idle = actions.add_parser("idle", help="client sockets that say hello and stay")
        idle.add_argument("--clients", type=int, default=1000)
        idle.add_argument("--hold", type=float, default=30, help="seconds to keep them open before checking")
        self.common(idle)

        attack = actions.add_parser(
            "attack", help="clients each at its rate limit asking the bot at once; /health and logins meanwhile"
        )
        attack.add_argument("--clients", type=int, default=60)
        attack.add_argument("--duration", type=float, default=20, help="seconds of sending")
        attack.add_argument("--chars", type=int, default=400, help="characters per question")
        attack.add_argument("--login-flood", type=int, default=0, help="threads posting wrong passwords (0: none)")
        attack.add_argument("--grace", type=float, default=60, help="seconds to wait for late acks and answers")
        self.common(attack)

        report = actions.add_parser("report", help="the reports page for a year of contact records (bench.reports)")
        report.add_argument("--records", type=int, default=100_000)
        report.add_argument("--repeats", type=int, default=5)
        report.add_argument("--database-url", default="", help="PostgreSQL URL, or `private` for a throwaway cluster")
        report_run = actions.add_parser("report-run", help="(used by `bench report`) measure in this database")
        report_run.add_argument("--records", type=int, required=True)
        report_run.add_argument("--repeats", type=int, required=True)

        seed = actions.add_parser("seed", help="(used by the benchmark) create the bench counsellors and desks")
        seed.add_argument("--staff", type=int, required=True)

        profile = actions.add_parser("profile", help="summarise a py-spy raw profile (--profile FILE.txt)")
        profile.add_argument("file")
        profile.add_argument("--top", type=int, default=20)

    @staticmethod
    def common(parser: ArgumentParser) -> None:
        parser.add_argument("--url", default="", help="a running server (http://host:port) instead of starting one")
        parser.add_argument("--processes", type=int, default=1, help="server processes (2+: PostgreSQL and Redis)")
        parser.add_argument("--database-url", default="", help="PostgreSQL URL, or `private` for a throwaway cluster")
        parser.add_argument("--redis-url", default="", help="Redis URL, or `private` for a throwaway redis-server")
        parser.add_argument("--workers", type=int, default=2, help="generator processes")
        parser.add_argument("--compression", action=BooleanOptionalAction, default=True, help="permessage-deflate")
        parser.add_argument("--debug", action=BooleanOptionalAction, default=True, help="DEBUG=1 as `make run`")
        parser.add_argument(
            "--server-settings",
            default="kohtaamo.settings",
            help="settings module of the started server (what-if runs)",
        )
        parser.add_argument("--json", default="", help="also write the report to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seed":
            seed_bench(options["staff"])
            return
        if action == "report-run":
            from bench.reports import run_report_bench

            self.stdout.write(run_report_bench(options["records"], options["repeats"]).text())
            return
        if action == "report":
            self.report(options)
            return
        if action == "profile":
            from bench.profile import summarise_raw

            self.stdout.write(summarise_raw(options["file"], options["top"]))
            return
        raise_fd_limit()  # inherited by the servers started here
        try:
            if action == "chat":
                self.chat(options)
            elif action == "attack":
                self.attack(options)
            else:
                self.idle(options)
        except StartFailed as exc:
            raise CommandError(str(exc)) from exc

    def report(self, options: dict[str, Any]) -> None:
        """The reports page's benchmark in a fresh database (bench.reports), run in a child process."""
        import subprocess

        with temporary_directory() as directory:
            processes = Processes(directory)
            try:
                database_url = options["database_url"]
                if database_url == "private":
                    self.log("  starting a private PostgreSQL cluster")
                    database_url = private_postgres(processes)
                env = server_env(directory, database_url=database_url, redis_url="", debug=True, raise_limits=False)
                self.log("  migrate, seed_demo")
                prepare_database(env, 0)
                self.log(f"  {options['records']:,} contact records, then the page")
                done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
                    [
                        sys.executable,
                        "manage.py",
                        "bench",
                        "report-run",
                        "--records",
                        str(options["records"]),
                        "--repeats",
                        str(options["repeats"]),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=1800,
                )
                if done.returncode != 0:
                    raise CommandError(f"bench report-run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
                self.stdout.write(done.stdout)
            finally:
                processes.stop()

    def log(self, text: str) -> None:
        self.stderr.write(text)
        sys.stderr.flush()

    def launch(
        self, processes: Processes, directory: Any, options: dict[str, Any], staff: int, *, raise_limits: bool = True
    ) -> Target:
        """The target: a running server (--url), or servers started here as `make run` would."""
        if options["url"]:
            url = options["url"].rstrip("/")
            run([sys.executable, "manage.py", "bench", "seed", "--staff", str(staff)])
            return Target([url], listening_pids(url), f"running server {url} (rate limits as configured there)")
        database_url, redis_url = options["database_url"], options["redis_url"]
        if database_url == "private":
            self.log("  starting a private PostgreSQL cluster")
            database_url = private_postgres(processes)
        if redis_url == "private":
            redis_url = private_redis(processes)
        if options["processes"] > 1 and not (database_url and redis_url):
            raise CommandError("several processes need --database-url and --redis-url (or `private`)")
        env = server_env(
            directory,
            database_url=database_url,
            redis_url=redis_url,
            debug=options["debug"],
            raise_limits=raise_limits,
            settings_module=options["server_settings"],
        )
        self.log("  migrate, seed_demo, bench seed")
        prepare_database(env, staff)
        target = start_servers(processes, env, options["processes"])
        database = "PostgreSQL" if database_url else "SQLite (WAL)"
        layer = "Redis pub/sub channel layer" if redis_url else "in-memory channel layer"
        target.description = (
            f"{options['processes']} x scripts/serve.py (uvicorn), {database}, {layer}, "
            f"settings {options['server_settings']}, "
            f"DEBUG={'1' if options['debug'] else '0'}, "
            + (
                f"rate limits raised ({', '.join(f'{k}={v}' for k, v in RAISED_RATE_LIMITS.items())})"
                if raise_limits
                else "the documented rate limits"
            )
        )
        return target

    def attack(self, options: dict[str, Any]) -> None:
        """Issue 9, item 4: the flood of the security test, within every documented limit (bench.attack)."""
        import asyncio

        from django.conf import settings

        from bench.attack import AttackJob, format_attack, run_attack

        with temporary_directory() as directory:
            processes = Processes(directory)
            try:
                target = self.launch(processes, directory, options, 0, raise_limits=False)
                self.log(f"  {target.description}")
                sampler = ServerSampler(target.pids).start() if target.pids else None
                if sampler:
                    sampler.settle()  # the bot is built in the background after the start
                job = AttackJob(
                    url=target.urls[0],
                    clients=options["clients"],
                    duration=options["duration"],
                    # The limits the server runs with: this process reads the same environment.
                    burst=settings.CHAT_CLIENT_RATE_BURST,
                    per_second=settings.CHAT_CLIENT_RATE_PER_SECOND,
                    chars=options["chars"],
                    grace=options["grace"],
                    login_flood=options["login_flood"],
                )
                result = asyncio.run(run_attack(job, self.log))
                if sampler:
                    result["server_peak_rss"] = sampler.peak
                    sampler.stop()
                result["setup"] = target.description
            finally:
                processes.stop()
        result["load_average_after"] = report.load_average()
        self.stdout.write(format_attack(result))
        if options["json"]:
            report.write_json(options["json"], result)

    def chat(self, options: dict[str, Any]) -> None:
        from bench.runner import run_chat_load

        n, rate = options["conversations"], options["rate"]
        if n < 1 or rate <= 0 or options["duration"] <= 0:
            raise CommandError("--conversations, --rate and --duration must be positive")
        staff = math.ceil(n / options["per_staff"])
        result: dict[str, Any] = {
            "conversations": n,
            "rate": rate,
            "duration": options["duration"],
            "load_average_before": report.load_average(),
        }
        with temporary_directory() as directory:
            processes = Processes(directory)
            try:
                target = self.launch(processes, directory, options, staff)
                result["setup"] = target.description
                self.log(f"  {target.description}")
                cookies = [staff_cookie(target.urls[0], staff_username(i), BENCH_PASSWORD) for i in range(staff)]
                # A conversation's client and counsellor sit on different processes when there are several:
                # every message then crosses the channel layer, the harder case.
                specs = [
                    ConversationSpec(
                        index=i,
                        client_url=target.ws_url(i, "/ws/client/"),
                        staff_url=target.ws_url(i + 1, "/ws/staff/"),
                        desk=desk_slug(i // options["per_staff"]),
                        cookie=cookies[i // options["per_staff"]],
                        staff_socket=f"s{i // options['per_staff']}" if options["staff_sockets"] == "staff" else "",
                    )
                    for i in range(n)
                ]
                sampler = ServerSampler(target.pids).start() if target.pids else None
                if sampler:
                    sampler.settle()
                common = {
                    "rate": rate,
                    "duration": options["duration"],
                    "grace": options["grace"],
                    "workers": options["workers"],
                    "compression": options["compression"],
                    "log": self.log,
                }
                result["app"] = run_chat_load(
                    mode="app",
                    specs=specs,
                    sampler=sampler,
                    profile=options["profile"],
                    profile_idle=options["profile_idle"],
                    **common,
                )
                if options["uploads"] > 0:
                    from bench.uploads import make_upload_image

                    picture = directory / "upload.jpg"
                    size = make_upload_image(picture, options["upload_mb"])
                    self.log(f"  the same load with {options['uploads']} uploads of {size / 1e6:.1f} MB at once")
                    result["app_uploads"] = run_chat_load(
                        mode="app",
                        specs=specs,
                        sampler=sampler,
                        uploads=options["uploads"],
                        upload_path=str(picture),
                        upload_at=options["upload_at"],
                        **common,
                    )
                    result["upload_ratios"] = report.ratios(result["app_uploads"], result["app"])
                if sampler:
                    sampler.stop()
                if options["relay"]:
                    relay_url = start_relay(processes)
                    relay_sampler = ServerSampler([processes.started[-1].process.pid]).start()
                    relay_specs = [
                        ConversationSpec(
                            index=i,
                            client_url=relay_url.replace("http://", "ws://") + f"/pair/{i}/client",
                            staff_url=relay_url.replace("http://", "ws://") + f"/pair/{i}/staff",
                        )
                        for i in range(n)
                    ]
                    result["relay"] = run_chat_load(mode="relay", specs=relay_specs, sampler=relay_sampler, **common)
                    relay_sampler.stop()
                    result["ratios"] = report.ratios(result["app"], result["relay"])
            finally:
                processes.stop()
        result["load_average_after"] = report.load_average()
        self.stdout.write(report.format_chat(result))
        for path in result["app"].get("profile", []):
            if path.endswith(".txt"):
                from bench.profile import summarise_raw

                self.stdout.write(summarise_raw(path))
        if options["json"]:
            report.write_json(options["json"], result)

    def idle(self, options: dict[str, Any]) -> None:
        from bench.runner import run_idle_load

        result: dict[str, Any] = {"load_average_before": report.load_average()}
        with temporary_directory() as directory:
            processes = Processes(directory)
            try:
                target = self.launch(processes, directory, options, 0)
                self.log(f"  {target.description}")
                sampler = ServerSampler(target.pids).start() if target.pids else None
                figures = run_idle_load(
                    url=target.ws_url(0, "/ws/client/"),
                    clients=options["clients"],
                    workers=options["workers"],
                    hold=options["hold"],
                    compression=options["compression"],
                    sampler=sampler,
                    log=self.log,
                )
                if sampler:
                    sampler.stop()
                result.update(figures, setup=target.description)
            finally:
                processes.stop()
        result["load_average_after"] = report.load_average()
        self.stdout.write(report.format_idle(result))
        if options["json"]:
            report.write_json(options["json"], result)
