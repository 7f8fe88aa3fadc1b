"""Create demo data to click through, through the same commands users go through.

Running it again changes nothing: the demo organisation marks that it has been done.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.measures import measure_reference

DEMO_PROVIDER = "demo-provider"
DEMO_LOGINS = [
    # username, password, role, organisation slug, superuser
    ("admin", "demo-admin-2026", Role.ADMINISTRATOR, None, True),
    ("agent", "demo-agent-2026", Role.AGENT, DEMO_PROVIDER, False),
    ("supervisor", "demo-supervisor-2026", Role.SUPERVISOR, DEMO_PROVIDER, False),
    ("regulator", "demo-regulator-2026", Role.REGULATOR_OFFICER, "demo-regulator", False),
]


class Command(BaseCommand):
    help = "Create a demo organisation, staff logins and complaints in several states (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow seeding with DEBUG off.")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has well-known passwords; refusing with DEBUG off (use --force).")
        if Organisation.objects.filter(slug=DEMO_PROVIDER).exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():
                self._seed()
            self.stdout.write("Demo data created.")
        self.stdout.write("Logins (staff workspace at /staff/, administration at /admin/):")
        for username, password, role, _org, _superuser in DEMO_LOGINS:
            self.stdout.write(f"  {username:<11} {password:<22} {Role(role).label}")

    def _seed(self) -> None:
        provider = Organisation.objects.create(
            slug=DEMO_PROVIDER, name="示例智能科技 Demo AI Co.", kind=Organisation.Kind.PROVIDER
        )
        Organisation.objects.create(
            slug="demo-regulator", name="示例网信办 Demo CAC Office", kind=Organisation.Kind.REGULATOR
        )
        users = {}
        for username, password, role, org_slug, superuser in DEMO_LOGINS:
            user = User(
                username=username,
                role=role,
                organisation=Organisation.objects.filter(slug=org_slug).first() if org_slug else None,
                is_superuser=superuser,
            )
            user.set_password(password)
            user.save()
            users[username] = user

        public = Actor.public(request_id="demo-seed")
        agent = Actor.for_user(users["agent"], request_id="demo-seed")

        def submit(category: str, description: str, url: str, **contact: Any) -> Any:
            return commands.complaint_submit(
                organisation=provider,
                actor=public,
                category=category,
                description=description,
                content_urls=[url],
                consent=bool(contact),
                **contact,
            ).case

        submit(
            "face_voice_without_consent",
            "有人用 AI 把我的脸换到了一段视频里，我从未同意。\n"
            "Someone put my face into a video with AI; I never agreed.",
            "https://video.example.com/v/8842",
            contact_email="complainant@example.com",
        )
        triaged = submit("unlabelled_synthetic", "这段合成语音没有任何 AI 标识。", "https://audio.example.com/a/17")
        commands.complaint_accept(case_id=triaged.id, actor=agent, expected_version=1)

        investigating = submit("label_removed", "视频右下角的“AI生成”标识被裁掉了。", "https://video.example.com/v/311")
        commands.complaint_accept(case_id=investigating.id, actor=agent, expected_version=1)
        commands.complaint_assign(
            case_id=investigating.id, actor=agent, expected_version=2, assignee_id=users["agent"].pk
        )
        commands.complaint_start_investigation(case_id=investigating.id, actor=agent, expected_version=3)

        waiting = submit(
            "impersonation_fraud",
            "有账号冒充我们公司客服，用合成声音诈骗。",
            "https://social.example.com/u/fake-support",
        )
        commands.complaint_accept(case_id=waiting.id, actor=agent, expected_version=1)
        commands.complaint_start_investigation(case_id=waiting.id, actor=agent, expected_version=2)
        commands.complaint_request_information(
            case_id=waiting.id, actor=agent, expected_version=3, question="请提供您收到诈骗电话的时间和号码。"
        )

        resolved = submit(
            "false_information", "一条合成的“地震预警”视频在传播，是假的。", "https://news.example.com/p/quake"
        )
        commands.complaint_accept(case_id=resolved.id, actor=agent, expected_version=1)
        commands.complaint_start_investigation(case_id=resolved.id, actor=agent, expected_version=2)
        commands.complaint_resolve(
            case_id=resolved.id,
            actor=agent,
            expected_version=3,
            outcome="violation",
            measures=["content_removed", {"measure": "warning", "account": "creator-2046"}],
            summary="视频已下架，发布者已被警告。The video was removed and its publisher warned.",
        )

        duplicate = submit("false_information", "同一条假地震视频。", "https://news.example.com/p/quake")
        commands.complaint_reject(
            case_id=duplicate.id,
            actor=agent,
            expected_version=1,
            reason="duplicate",
            explanation="与已处理的举报重复。Already handled under an earlier report.",
            duplicate_of=resolved.reference,
        )
        commands.complaint_close(case_id=duplicate.id, actor=agent, expected_version=2)
        commands.case_link(
            case_id=duplicate.id,
            actor=agent,
            expected_version=3,
            link="duplicate_of",
            other_reference=resolved.reference,
        )
        commands.case_note_add(
            case_id=waiting.id,
            actor=agent,
            expected_version=4,
            note="已电话联系投诉人，等待书面答复。Called the complainant.",
        )
        # The warned account holder appeals; the agent who decided may not review it, so it
        # waits for the supervisor (the four-eyes rule).
        commands.appeal_file_against_measure(
            measure_reference=measure_reference(resolved.reference, 2),
            actor=public,
            statement="视频开头已说明是演示，请复核。The video said it was a demonstration.",
        )
        self._seed_refutations(agent, submit, quake_complaints=[resolved, duplicate])

    def _seed_refutations(self, agent: Actor, submit: Any, *, quake_complaints: list[Any]) -> None:
        """Rumor refutations (article 11): one published, one being verified from two complaints,
        one staff opened on their own."""

        def step(case: Any, action: str, **arguments: Any) -> Any:
            case.refresh_from_db()
            return commands.case_act(
                case_id=case.id, actor=agent, expected_version=case.version, action=action, arguments=arguments
            )

        def open_from(complaints: list[Any], claim: str) -> Any:
            first, *others = complaints
            first.refresh_from_db()
            return commands.case_open(
                kind="rumor",
                actor=agent,
                case_id=first.id,
                expected_version=first.version,
                arguments={"claim": claim},
                also_from=[other.reference for other in others],
            )

        quake = open_from(
            quake_complaints, "视频称本市今晨发生 6.5 级地震。A video says a 6.5 earthquake hit the city this morning."
        )
        step(quake, "start_verification")
        step(
            quake,
            "record_source",
            source="中国地震台网 China Earthquake Networks Center",
            source_urls=["https://news.example.gov/ceic/today"],
            finding="今日本市无地震记录。No earthquake was recorded in the city today.",
        )
        step(quake, "confirm_false", verdict="fabricated", findings="视频为 AI 合成。The video is AI-generated.")
        step(
            quake,
            "publish",
            explanation="今晨本市没有发生地震。该视频由 AI 合成，画面中的“预警”并不存在。"
            "There was no earthquake this morning; the video was generated with AI.",
            evidence="中国地震台网今日记录中没有本市的地震；视频中的新闻台标与真实台标不符。"
            "The national earthquake network recorded no earthquake here today; the news logo in the video is fake.",
            claim_author="账号 quake-alerts-2046",
        )

        water = [
            submit(
                "false_information",
                "有视频说自来水被投毒，画面像是合成的。A video claims tap water was poisoned.",
                "https://video.example.com/v/water-poison",
            ),
            submit(
                "false_information",
                "同一条“自来水投毒”的视频在群里转发。The same tap-water video, shared in chat groups.",
                "https://social.example.com/p/water-poison",
            ),
        ]
        poisoned = open_from(water, "视频称自来水被投毒。A video claims the tap water has been poisoned.")
        step(poisoned, "start_verification")
        step(
            poisoned,
            "record_source",
            source="市水务集团 City water company",
            finding="水质检测正常，已索取书面说明。Water tests are normal; a written statement was requested.",
        )

        commands.case_open(
            kind="rumor",
            actor=agent,
            arguments={
                "claim": "合成音频称某银行即将倒闭。A synthetic audio clip says a bank is about to fail.",
                "content_urls": ["https://audio.example.com/a/bank-run"],
            },
        )
