"""The rules every sender obeys beyond the consent ledger, as data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .circuits import CaseType


class SendingPolicy(models.Model):
    """How marketing holds back (one row, edited on the setup screen).

    *Open complaint*: a customer with an open case of these types and priorities gets no
    marketing until it is closed (seed 000, case A: no catalogue to someone still waiting for
    the technician). No type chosen: any open case counts; no priority chosen: any priority.
    *Frequency cap*: at most ``frequency_cap_count`` marketing messages per customer in
    ``frequency_cap_days`` days (0: no cap). Service notices obey neither: they are about the
    customer's own request.
    """

    complaint_rule_enabled = models.BooleanField(
        _("hold marketing while a case is open"), default=True
    )
    complaint_case_types = models.ManyToManyField(
        CaseType, blank=True, related_name="+", verbose_name=_("case types that count")
    )
    complaint_priorities = models.JSONField(_("priorities that count"), default=list, blank=True)
    frequency_cap_count = models.PositiveSmallIntegerField(_("at most (messages)"), default=3)
    frequency_cap_days = models.PositiveSmallIntegerField(_("in (days)"), default=7)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return "sending policy"

    @classmethod
    def current(cls) -> SendingPolicy:
        policy = cls.objects.filter(pk=1).first()
        if policy is None:
            policy, _created = cls.objects.get_or_create(pk=1)
        return policy
