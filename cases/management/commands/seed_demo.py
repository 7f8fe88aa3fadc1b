"""Create demo data to click through, through the same commands users go through.

Running it again changes nothing: the demo organisation marks that it has been done.
"""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.kinds import as_kind
from cases.measures import measure_reference
from cases.models import Case
from cases.workflows.base import perform

DEMO_PROVIDER = "demo-provider"
DEMO_LOGINS = [
    # username, password, role, organisation slug, superuser
    ("admin", "demo-admin-2026", Role.ADMINISTRATOR, None, True),
    ("agent", "demo-agent-2026", Role.AGENT, DEMO_PROVIDER, False),
    ("supervisor", "demo-supervisor-2026", Role.SUPERVISOR, DEMO_PROVIDER, False),
    ("regulator", "demo-regulator-2026", Role.REGULATOR_OFFICER, "demo-regulator", False),
]


class Command(BaseCommand):
    help = "Create a demo organisation, staff logins, complaints and incidents in several states (idempotent)."

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
        regulator = Organisation.objects.create(
            slug="demo-regulator", name="示例网信办 Demo CAC Office", kind=Organisation.Kind.REGULATOR
        )
        regulator.supervised_providers.add(provider)
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
        self._seed_feature_library(users, public, provider, sources={"fraud": waiting, "quake": resolved})
        self._seed_incidents(agent, supervisor=Actor.for_user(users["supervisor"], request_id="demo-seed"))
        self._seed_regulator(users, provider, agent, resolved)

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

    def _seed_feature_library(
        self, users: dict[str, User], public: Actor, provider: Organisation, sources: dict[str, Any]
    ) -> None:
        """Entries of each sort in force, one awaiting a second person, one retired and one
        rejected; then a complaint that matches one of them."""
        agent = Actor.for_user(users["agent"], request_id="demo-seed")
        supervisor = Actor.for_user(users["supervisor"], request_id="demo-seed")

        def propose(sort: str, value: str, category: str, rule: str, syntax: str = "", source: str = "") -> Any:
            return commands.feature_entry_propose(
                actor=agent,
                sort=sort,
                syntax=syntax,
                value=value,
                category=category,
                rule=rule,
                source_reference=source,
            )

        def step(entry: Any, action: str, **arguments: Any) -> Any:
            version = Case.objects.values_list("version", flat=True).get(pk=entry.id)
            return commands.case_act(
                case_id=entry.id, actor=supervisor, expected_version=version, action=action, arguments=arguments
            )

        in_force = [
            propose(
                "text",
                "冒充客服\n官方退款专员",
                "impersonation_fraud",
                "《平台公约》第 4.2 条：冒充官方客服。Platform rule 4.2: impersonating official customer service.",
                syntax="keywords",
                source=sources["fraud"].reference,
            ),
            propose(
                "text",
                r"(?i)(一键|免费)\s?换脸\s?(教程|软件)|deep\s?fake\s(tutorial|app)",
                "face_voice_without_consent",
                "入库标准 2.1：推广换脸教程和工具。Entry standard 2.1: promoting face-swap tutorials and tools.",
                syntax="regex",
            ),
            propose(
                "file",
                hashlib.sha256(b"demo: the synthetic earthquake warning video").hexdigest(),
                "false_information",
                "已核实的合成“地震预警”视频。A verified synthetic earthquake-warning video.",
                source=sources["quake"].reference,
            ),
            propose(
                "account",
                "fake-support",
                "impersonation_fraud",
                "冒充客服并使用合成声音的账号。An account impersonating support with a cloned voice.",
            ),
        ]
        for entry in in_force:
            step(entry, "approve")
        propose(
            "text",
            "AI代写论文包过\n论文代写包过",
            "illegal_harmful",
            "入库标准 3.4：学术代写广告。Entry standard 3.4: ghost-writing adverts.",
            syntax="keywords",
        )
        retired = propose(
            "text",
            "假地震预警",
            "false_information",
            "辟谣专项：合成地震预警。Rumour campaign: synthetic earthquake warnings.",
            syntax="keywords",
        )
        step(retired, "approve")
        step(retired, "retire", reason="该谣言已不再传播。The rumour has stopped spreading.")
        rejected = propose(
            "text",
            "视频",
            "other",
            "过宽的试验条目。A trial entry, far too broad.",
            syntax="keywords",
        )
        step(rejected, "reject", reason="会命中几乎所有举报。It would match nearly every complaint.")

        commands.complaint_submit(
            organisation=provider,
            actor=public,
            category="impersonation_fraud",
            description="评论区有人冒充客服，说可以办理“官方退款”，让人先转账。",
            content_urls=["https://video.example.com/v/9001"],
        )

    def _seed_incidents(self, agent: Actor, *, supervisor: Actor) -> None:
        """Incidents of article 7: a major one whose reporting clock is running, one reported
        and contained, and a general one closed after its review."""

        def step(case: Any, action: str, **arguments: Any) -> Any:
            return commands.case_act(
                case_id=case.id, actor=agent, expected_version=case.version, action=action, arguments=arguments
            )

        def open_incident(actor: Actor, **arguments: Any) -> Any:
            return commands.case_open(kind="incident", actor=actor, arguments=arguments)

        open_incident(
            supervisor,
            grade="major",
            service="换脸视频生成 Face-swap video generation",
            description=(
                "部分生成视频未添加 AI 生成标识即被发布。\nSome generated videos were published without their label."
            ),
            first_response="已暂停换脸视频生成。Face-swap generation is paused.",
        )

        reported = open_incident(
            agent,
            grade="general",
            service="语音合成 Voice synthesis",
            description="合成语音被用于冒充客服。Synthetic voices were used to impersonate support staff.",
        )
        reported = step(
            reported, "regrade", grade="relatively_major", reason="涉及多名用户被骗。Several users were defrauded."
        )
        reported = step(reported, "report", authority="示例网信办 Demo CAC Office", report_reference="BJ-2026-017")
        step(
            reported, "contain", containment="已封禁相关账号并下架音频。The accounts were closed and the audio removed."
        )

        closed = open_incident(
            agent,
            grade="general",
            service="文本生成 Text generation",
            description="内容审核队列积压两小时。The review queue was two hours behind.",
        )
        closed = step(closed, "contain", containment="临时增加审核人员。More reviewers were added.")
        closed = step(closed, "resolve", resolution="积压已清空。The backlog was cleared.")
        closed = step(
            closed,
            "review",
            causes="节假日排班不足。Too few reviewers were scheduled over the holiday.",
            corrective_measures="节假日排班纳入审核容量评估。Holiday rosters now follow a capacity check.",
        )
        step(closed, "close")

    def _seed_regulator(self, users: dict[str, User], provider: Organisation, agent: Actor, handled: Any) -> None:
        """Rectification orders of the demo regulator in several states (one past its deadline),
        and a report the provider sent it about a handled complaint."""
        officer = Actor.for_user(users["regulator"], request_id="demo-seed")
        now = timezone.now()

        def issue(title: str, days: float, **arguments: Any) -> Any:
            return commands.case_open(
                kind="rectification_order",
                actor=officer,
                arguments={
                    "provider": provider.slug,
                    "legal_basis": arguments.pop("legal_basis", "article_16"),
                    "title": title,
                    "findings": arguments.pop(
                        "findings",
                        "抽查发现部分合成视频缺少显著标识。Spot checks found synthetic videos without labels.",
                    ),
                    "required_measures": "为全部合成视频添加显著标识，并提交整改报告。"
                    "Label every synthetic video and report back.",
                    "deadline": now + dt.timedelta(days=days),
                    **arguments,
                },
            )

        def step(case: Any, actor: Actor, action: str, **arguments: Any) -> Any:
            version = Case.objects.values_list("version", flat=True).get(pk=case.id)
            return commands.case_act(
                case_id=case.id, actor=actor, expected_version=version, action=action, arguments=arguments
            )

        issue(
            "换脸服务存在较大信息安全风险 Face swapping poses a serious risk",
            10,
            legal_basis="article_21",
            findings="换脸功能可在未经同意的情况下编辑他人人脸。Faces can be edited without consent.",
            suspend_user_registration="yes",
            suspend_other_services="换脸视频生成 Face-swap video generation",
        )
        working = issue("合成语音未加提示 Synthetic voices without notice", 7, legal_basis="article_16")
        step(working, agent, "acknowledge", note="已收到，正在整改。Received; rectifying.")
        step(
            working,
            agent,
            "record_progress",
            progress="已为 80% 的语音产品加上提示音。80% of voice products now play a notice.",
        )

        resubmitted = issue("辟谣机制不健全 No rumor-refutation procedure", 5, legal_basis="article_11")
        step(resubmitted, agent, "acknowledge")
        step(resubmitted, agent, "submit", summary="已建立辟谣流程。A refutation procedure is in place.")
        step(resubmitted, officer, "reject", reasons="未说明向监管部门报告的时限。The reporting time limit is missing.")
        step(
            resubmitted,
            agent,
            "submit",
            summary="已补充报告时限：确认后 24 小时内。Reported within 24 hours of confirmation.",
        )

        accepted = issue("投诉入口不便捷 Complaint entry hard to find", 15, legal_basis="article_12")
        step(accepted, agent, "acknowledge")
        step(
            accepted,
            agent,
            "submit",
            summary="首页已加入投诉入口。The home page now links the complaint form.",
            evidence_urls=["https://demo.example.com/complaints"],
        )
        step(accepted, officer, "accept", reasons="已核实。Checked on the site.")

        late = issue("特征库未及时更新 Feature library not kept current", 0.02, legal_basis="article_10")
        # The demo cannot wait for the deadline: the clock's own step, as if it had passed.
        with transaction.atomic():
            order = as_kind(Case.objects.select_for_update().get(pk=late.id))
            perform(
                order, "record_overdue", actor=Actor.system(request_id="demo-seed"), now=now + dt.timedelta(hours=1)
            )

        handled.refresh_from_db()
        commands.case_open(
            kind="regulator_report",
            actor=agent,
            case_id=handled.id,
            expected_version=handled.version,
            arguments={
                "regulator": "demo-regulator",
                "summary": "合成“地震预警”视频已下架，发布者已被警告。"
                "The synthetic earthquake video was removed and its publisher warned.",
            },
        )
