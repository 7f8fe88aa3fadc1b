"""Organisations (providers and regulators) and the people who work in them."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PROVIDER = "provider", _("Service provider")
        REGULATOR = "regulator", _("Regulator")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Operators of critical information infrastructure report serious incidents sooner.
    critical_infrastructure = models.BooleanField(
        _("operator of critical information infrastructure"),
        default=False,
        help_text=_("Serious incidents of such an operator must be reported to the regulator sooner."),
    )
    # A regulator's jurisdiction: the providers it supervises, and may issue orders to and
    # receive reports from. Empty for a provider.
    supervised_providers = models.ManyToManyField(
        "self",
        verbose_name=_("supervised providers"),
        symmetrical=False,
        related_name="regulators",
        blank=True,
        limit_choices_to={"kind": "provider"},
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", _("Provider agent")
    SUPERVISOR = "supervisor", _("Provider supervisor")
    REGULATOR_OFFICER = "regulator_officer", _("Regulator officer")
    ADMINISTRATOR = "administrator", _("Administrator")


PROVIDER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})


class User(AbstractUser):
    """A member of staff. Each belongs to one organisation with one role."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
