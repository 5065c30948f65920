"""The customer memory: parties, how to reach them, who they are linked to, where they stand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped, Versioned


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organisation")


class LifecycleStage(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    PROSPECT = "prospect", _("Prospect")
    BUYER = "buyer", _("Buyer")
    CLIENT = "client", _("Client")
    ADVOCATE = "advocate", _("Advocate")
    INACTIVE = "inactive", _("Inactive")
    LOST = "lost", _("Lost")


class Tag(models.Model):
    """A free label put on parties ("VIP", "imprensa", "fornecedor")."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    color = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Party(Versioned):
    """A person or an organisation the company relates to: one record per customer.

    Everything else (contact points, interactions, cases, deals) hangs on it. A party merged
    into another is kept as a tombstone pointing at the survivor, so old ids still resolve.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    tax_id_kind = models.CharField(max_length=10, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.SUSPECT,
    )
    lifecycle_changed_at = models.DateTimeField(null=True, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=20,
        blank=True,
        choices=[
            ("email", _("E-mail")),
            ("sms", _("SMS")),
            ("whatsapp", _("WhatsApp")),
            ("phone", _("Phone")),
            ("letter", _("Letter")),
        ],
        help_text=_("Where the customer wants to be told of the progress of their requests."),
    )
    # When the customer accepts messages that are not urgent: local time (settings.TIME_ZONE),
    # weekdays as ISO numbers (1 = Monday … 7 = Sunday). Empty means any time / any day. Every
    # sender asks ``fregues.service.services.sending`` and holds such messages until then.
    contact_hours_start = models.TimeField(_("contact from"), null=True, blank=True)
    contact_hours_end = models.TimeField(_("contact until"), null=True, blank=True)
    contact_weekdays = models.CharField(
        _("contact days"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        help_text=_("Days of the week the customer accepts contact (1 = Monday … 7 = Sunday)."),
    )
    tier = models.CharField(
        _("customer tier"),
        max_length=20,
        blank=True,
        help_text=_("Service tier (e.g. gold, silver): SLA policies may depend on it."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portfolio",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="parties")
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    search_text = models.TextField(blank=True, default="", editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_parties"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer's personal data was erased (LGPD art. 18 / GDPR art. 17): the row
    # stays so counts, amounts and dates still add up in reports, but names no one.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = "parties"
        indexes = [
            models.Index(fields=["name", "id"], name="party_name"),
            models.Index(fields=["tax_id"], name="party_tax_id", condition=~Q(tax_id="")),
            models.Index(fields=["lifecycle_stage"], name="party_stage"),
            models.Index(fields=["owner", "name"], name="party_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == PartyKind.PERSON

    @property
    def first_name(self) -> str:
        return self.given_name or self.name.split(" ")[0]

    @property
    def contact_hours_text(self) -> str:
        """The customer's contact hours for people ("Mon, Tue · 09:00–18:00"), or ""."""
        from .contact_hours import describe_contact_hours

        return describe_contact_hours(
            self.contact_hours_start, self.contact_hours_end, self.contact_weekdays
        )


class ContactPointKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social handle")
    ADDRESS = "address", _("Postal address")


class ContactPoint(TimeStamped):
    """A way to reach a party that also identifies it: an e-mail, a phone, a handle, an address.

    E-mails, phones and handles identify exactly one party (unique on kind, network and
    normalised value); addresses do not (a family shares one).
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=10, choices=ContactPointKind.choices)
    network = models.CharField(_("network"), max_length=20, blank=True, default="")
    value = models.CharField(_("value"), max_length=300)
    normalized = models.CharField(max_length=300)
    match_key = models.CharField(max_length=300, blank=True, default="")
    label = models.CharField(_("label"), max_length=40, blank=True, default="")
    is_primary = models.BooleanField(_("primary"), default=False)
    is_verified = models.BooleanField(_("verified"), default=False)
    # postal address parts (kind == address)
    street = models.CharField(_("street"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    complement = models.CharField(_("complement"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "network", "normalized"],
                condition=~Q(kind="address"),
                name="contact_point_identifies_one_party",
            )
        ]
        indexes = [
            models.Index(fields=["party", "kind"], name="contact_point_party"),
            models.Index(
                fields=["match_key"], name="contact_point_match", condition=~Q(match_key="")
            ),
        ]

    def __str__(self) -> str:
        return self.value


class Affiliation(TimeStamped):
    """A person's link to an organisation, with their role there ("diretora de compras").

    ``portal_sees_cases``: staff allow this person, signed in to the portal, to see and follow
    the organisation's requests (the purchasing director does; the intern does not).
    """

    person = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=120, blank=True, default="")
    is_primary = models.BooleanField(default=False)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    portal_sees_cases = models.BooleanField(
        _("sees the organisation's requests in the portal"), default=False, db_default=False
    )

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "role"], name="affiliation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.organization_id} ({self.role})"


class Note(TimeStamped):
    """A free-text note someone left on a party. A note flagged ``before_visit`` ("the
    director only receives on Tuesdays", "never mention the 2024 recall") heads every visit
    briefing."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    before_visit = models.BooleanField(_("read before a visit"), default=False, db_default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:40]


class ExternalId(TimeStamped):
    """The party's code in another system (ERP, old CRM): unique per source, for sync."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(_("source"), max_length=40)
    code = models.CharField(_("code"), max_length=120)

    class Meta:
        ordering = ["source", "code"]
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="external_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.code}"


class LifecycleMove(models.Model):
    """One move of a party between lifecycle stages: from, to, when, who and why.

    An automatic move (a rule of the sales app: first paid order → buyer) names the record that
    caused it in ``cause_type``/``cause_id`` ("sales.order", 42), like an interaction's
    *regarding*: this app never imports the apps that move parties.
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="lifecycle_moves")
    from_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    cause_type = models.CharField(max_length=40, blank=True, default="", db_default="")
    cause_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["party", "-occurred_at"], name="lifecycle_party_time")]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class DuplicateCandidate(models.Model):
    """A pair of parties that look like the same customer, waiting for someone to decide.

    Found by the duplicate scan; dismissed pairs are remembered so they are not proposed again.
    ``party_a_id`` is always the smaller id.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Not a duplicate")
        MERGED = "merged", _("Merged")

    party_a = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    party_b = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["party_a", "party_b"], name="duplicate_pair_unique")
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_status")]

    def __str__(self) -> str:
        return f"{self.party_a_id} ~ {self.party_b_id}"


class LawfulBasis(models.TextChoices):
    """Why the company may process a customer's data for a purpose (LGPD art. 7, GDPR art. 6)."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    PUBLIC_TASK = "public_task", _("Public task")
    VITAL_INTEREST = "vital_interest", _("Vital interest")


class ConsentSource(models.TextChoices):
    FORM = "form", _("Web form")
    PORTAL = "portal", _("Portal")
    IMPORT = "import", _("Import")
    AGENT = "agent", _("Agent")
    API = "api", _("API")
    EMAIL = "email", _("E-mail reply")


class ConsentPurpose(TimeStamped):
    """Something the company wants to do with a customer's data or attention ("marketing
    e-mail", "profiling and analytics", "sharing with partners"), as data, with its lawful
    basis. Under *consent* nothing is allowed until the customer grants it; under the other
    bases it is allowed until the customer objects (withdraws). ``channels`` lists the
    channels the purpose covers (empty: not about a channel)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("what the customer is told"), blank=True)
    lawful_basis = models.CharField(
        _("lawful basis"), max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def opt_in(self) -> bool:
        """Whether the customer must grant it first (consent) rather than object to it."""
        return self.lawful_basis == LawfulBasis.CONSENT


class ConsentRecord(models.Model):
    """One grant or withdrawal in the consent ledger: who, which purpose (and channel), yes or
    no, when, from where, and the version of the text the customer saw.

    Nothing is overwritten: the current state of a purpose is its latest record (a record for
    one channel counts for that channel only; one with no channel for all of the purpose's).
    ``source`` + ``external_id`` make an imported or API-sent record land once.
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="records")
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    granted = models.BooleanField(_("granted"))
    occurred_at = models.DateTimeField(_("when"))
    source = models.CharField(_("source"), max_length=10, choices=ConsentSource.choices)
    text_version = models.CharField(_("text version seen"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    external_id = models.CharField(max_length=120, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="consent_record_once",
            )
        ]
        indexes = [
            models.Index(fields=["party", "purpose", "-occurred_at"], name="consent_party_purpose")
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.purpose_id} {'yes' if self.granted else 'no'}"


class SuppressionReason(models.TextChoices):
    """Why an address must not receive marketing (or, after a hard bounce, anything)."""

    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    COMPLAINT = "complaint", _("Spam complaint")
    MANUAL = "manual", _("Blocked by staff")


class Suppression(models.Model):
    """An address on the global suppression list: every sender skips it, whatever the consent
    ledger says. A hard bounce stops every message to the address (it does not exist); an
    unsubscribe, a spam complaint or a staff block stop marketing only.

    Kept apart from the consent ledger because it belongs to the address, not the person: the
    same mailbox may be shared, and a bounce says nothing about what the customer wants.
    Lifting keeps the row (``lifted_at``), so the list keeps its history.
    """

    kind = models.CharField(_("kind"), max_length=10)  # a ContactPointKind: email / phone
    address = models.CharField(_("address"), max_length=300)  # the normalised address
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="suppressions"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "address", "reason"],
                condition=Q(lifted_at__isnull=True),
                name="suppression_active_once",
            )
        ]
        indexes = [models.Index(fields=["address"], name="suppression_address")]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"

    @property
    def stops_everything(self) -> bool:
        return self.reason == SuppressionReason.HARD_BOUNCE
