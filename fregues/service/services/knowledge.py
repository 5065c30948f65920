"""Writes on the knowledge base: create, change, publish, unpublish and delete articles.

Writers are admins, quality managers and relationship managers (and the system); every other
role reads only. Each write validates everything first (all field errors at once, 422), then
runs in one transaction with its audit entry and its event, so a rejected request leaves
nothing behind.

* The slug comes from the title (folded, slugified, ``-2``, ``-3``... when taken) unless one is
  given; it does not change when the title does, so links keep working. Slugs are never only
  digits (``/kb/articles/<id or slug>``).
* ``search_text`` is rebuilt on every change of title, category or body.
* A category is stored with the spelling already in use ("faturacao" → "Faturação").
* Delete erases the article (the portal can no longer show it); the audit entry keeps a full
  copy. To hide an article but keep it, unpublish it.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.events import event_emit
from fregues.core.text import fold

from ..markup import markdown_text
from ..models import Article
from ..selectors.knowledge import LANGUAGES, article_require_write, normalize_language

__all__ = [
    "article_create",
    "article_delete",
    "article_publish",
    "article_unpublish",
    "article_update",
    "search_document",
    "seed_articles",
]

TITLE_MAX = 200
CATEGORY_MAX = 80
SLUG_MAX = 200
BODY_MAX = 100_000
AUDIT_FIELDS = ("title", "slug", "category", "language", "is_public", "is_published", "body")
FIELDS = ("title", "slug", "body", "category", "language", "is_public", "is_published")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_UNSET: Any = object()


def search_document(article: Article) -> str:
    """``folded title \\n folded category \\n folded body text`` (the selectors rank on the
    first line)."""
    return "\n".join(
        [fold(article.title), fold(article.category), fold(markdown_text(article.body))]
    )


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _slug_from(text: str) -> str:
    return slugify(fold(text))[: SLUG_MAX - 10].strip("-")


def _clean(values: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    """Validate the fields present in ``values``; returns the model values to set."""
    out: dict[str, Any] = {}
    if "title" in values:
        title = " ".join(str(values["title"] or "").split())
        if not title:
            errors.add("title", _("A title is required."))
        elif len(title) > TITLE_MAX:
            errors.add("title", _("A title has at most %(n)s characters.") % {"n": TITLE_MAX})
        out["title"] = title
    if "body" in values:
        body = str(values["body"] or "").replace("\r\n", "\n").replace("\r", "\n")
        body = body.strip("\n").rstrip()
        if not body.strip():
            errors.add("body", _("The article has no text."))
        elif len(body) > BODY_MAX:
            errors.add("body", _("An article has at most %(n)s characters.") % {"n": BODY_MAX})
        out["body"] = body
    if "category" in values:
        category = " ".join(str(values["category"] or "").split())
        if len(category) > CATEGORY_MAX:
            errors.add(
                "category", _("A category has at most %(n)s characters.") % {"n": CATEGORY_MAX}
            )
        out["category"] = category
    if "language" in values:
        language = normalize_language(values["language"])
        if language not in LANGUAGES:
            errors.add(
                "language",
                _("Unknown language '%(value)s'. Choose one of: %(choices)s.")
                % {"value": language, "choices": ", ".join(LANGUAGES)},
            )
        out["language"] = language
    for flag in ("is_public", "is_published"):
        if flag in values:
            if not isinstance(values[flag], bool):
                errors.add(flag, _("Use true or false."))
            out[flag] = values[flag]
    if "slug" in values and values["slug"] is not None:
        raw = str(values["slug"]).strip()
        slug = _slug_from(raw) if not _SLUG.match(raw) else raw
        if not slug:
            errors.add("slug", _("A slug needs letters or digits."))
        elif len(slug) > SLUG_MAX:
            errors.add("slug", _("A slug has at most %(n)s characters.") % {"n": SLUG_MAX})
        elif slug.isdigit():
            errors.add("slug", _("A slug cannot be only digits (it would read as an id)."))
        out["slug"] = slug
    return out


def _slug_taken(slug: str, article_pk: int | None) -> Conflict | None:
    qs = Article.objects.filter(slug=slug)
    if article_pk is not None:
        qs = qs.exclude(pk=article_pk)
    holder = qs.first()
    if holder is None:
        return None
    return Conflict(
        _("The slug '%(slug)s' is taken by the article '%(title)s'.")
        % {"slug": slug, "title": holder.title},
        code="slug_taken",
        errors={"slug": [_("This slug is taken.")]},
        details={"holder": {"id": holder.pk, "title": holder.title}},
    )


def _free_slug(title: str) -> str:
    """A slug from ``title`` that no article holds: ``base``, ``base-2``, ``base-3``..."""
    base = _slug_from(title) or "article"
    if base.isdigit():
        base = f"article-{base}"
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _canonical_category(category: str, article_pk: int | None) -> str:
    """The spelling of ``category`` already in use by another article, if any."""
    if not category:
        return ""
    key = fold(category)
    qs = Article.objects.exclude(category="")
    if article_pk is not None:
        qs = qs.exclude(pk=article_pk)
    used = qs.values_list("category", flat=True).distinct()
    return next((name for name in used if fold(name) == key), category)


def _insert(article: Article, explicit_slug: bool) -> None:
    """Insert ``article``, choosing the next free slug again if another writer took it."""
    for attempt in range(5):
        if not explicit_slug:
            article.slug = _free_slug(article.title)
        try:
            with transaction.atomic():
                article.save(force_insert=True)
            return
        except IntegrityError as exc:
            conflict = _slug_taken(article.slug, None)
            if conflict is None:
                raise
            if explicit_slug or attempt == 4:
                raise conflict from exc


def _payload(article: Article) -> dict[str, Any]:
    return {
        "article_id": article.pk,
        "slug": article.slug,
        "title": article.title,
        "language": article.language,
        "category": article.category,
        "is_public": article.is_public,
        "is_published": article.is_published,
    }


def article_create(
    *,
    actor: Any,
    title: str,
    body: str,
    category: str = "",
    language: str = "pt-br",
    is_public: bool = False,
    is_published: bool = True,
    slug: str | None = None,
) -> Article:
    """Create an article (published unless ``is_published=False``).

    Every field error is reported at once (422); a ``slug`` another article holds is a 409.
    """
    article_require_write(actor)
    errors = ErrorCollector()
    fields = _clean(
        {
            "title": title,
            "body": body,
            "category": category,
            "language": language,
            "is_public": is_public,
            "is_published": is_published,
            "slug": slug,
        },
        errors,
    )
    errors.raise_if_any()
    explicit_slug = bool(fields.get("slug"))
    if explicit_slug:
        conflict = _slug_taken(fields["slug"], None)
        if conflict:
            raise conflict
    with transaction.atomic():
        fields["category"] = _canonical_category(fields["category"], None)
        article = Article(**fields, author=actor if _is_user(actor) else None)
        article.search_text = search_document(article)
        _insert(article, explicit_slug)
        audit_record(
            actor=actor,
            action="create",
            instance=article,
            summary=f"article {article.slug}: {article.title}",
            changes=snapshot(article, AUDIT_FIELDS),
        )
        event_emit("article.created", _payload(article))
        if article.is_published:
            event_emit("article.published", _payload(article))
    return article


def _article_for_update(article_id: int) -> Article:
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise NotFound(
            _("Article %(ref)s does not exist.") % {"ref": article_id},
            details={"ref": str(article_id)},
        )
    return article


def article_update(
    *,
    actor: Any,
    article_id: int,
    title: str = _UNSET,
    body: str = _UNSET,
    category: str = _UNSET,
    language: str = _UNSET,
    is_public: bool = _UNSET,
    is_published: bool = _UNSET,
    slug: str = _UNSET,
) -> Article:
    """Change the fields given (the others stay). The slug changes only when ``slug`` is sent.

    Emits ``article.updated`` and, when the article goes live or is withdrawn,
    ``article.published`` / ``article.unpublished``. Nothing changed: nothing written.
    """
    article_require_write(actor)
    given = {
        name: value
        for name, value in {
            "title": title,
            "body": body,
            "category": category,
            "language": language,
            "is_public": is_public,
            "is_published": is_published,
            "slug": slug,
        }.items()
        if value is not _UNSET
    }
    errors = ErrorCollector()
    with transaction.atomic():
        article = _article_for_update(article_id)
        if "slug" in given and given["slug"] is None:
            errors.add("slug", _("A slug needs letters or digits."))
        fields = _clean(given, errors)
        errors.raise_if_any()
        if "slug" in fields and fields["slug"] != article.slug:
            conflict = _slug_taken(fields["slug"], article.pk)
            if conflict:
                raise conflict
        if "category" in fields:
            fields["category"] = _canonical_category(fields["category"], article.pk)
        before = snapshot(article, AUDIT_FIELDS)
        was_published = article.is_published
        for name, value in fields.items():
            setattr(article, name, value)
        changes = diff(before, snapshot(article, AUDIT_FIELDS))
        if not changes:
            return article
        update = [*changes, "updated_at"]
        if {"title", "category", "body"} & set(changes):
            article.search_text = search_document(article)
            update.append("search_text")
        try:
            with transaction.atomic():
                article.save(update_fields=update)
        except IntegrityError as exc:  # another writer took the slug meanwhile
            raise _slug_taken(article.slug, article.pk) or Conflict(str(exc)) from exc
        audit_record(
            actor=actor,
            action="update",
            instance=article,
            summary=f"article {article.slug}: {article.title}",
            changes=changes,
        )
        event_emit("article.updated", _payload(article) | {"fields": sorted(changes)})
        if article.is_published != was_published:
            name = "article.published" if article.is_published else "article.unpublished"
            event_emit(name, _payload(article))
    return article


def article_publish(*, actor: Any, article_id: int) -> Article:
    """Make the article visible to every role (and, when public, to the portal)."""
    return article_update(actor=actor, article_id=article_id, is_published=True)


def article_unpublish(*, actor: Any, article_id: int) -> Article:
    """Withdraw the article: only writers see it until it is published again."""
    return article_update(actor=actor, article_id=article_id, is_published=False)


def article_delete(*, actor: Any, article_id: int) -> None:
    """Erase the article. The audit entry keeps a full copy of what was deleted."""
    article_require_write(actor)
    with transaction.atomic():
        article = _article_for_update(article_id)
        pk = article.pk
        copy = snapshot(article, AUDIT_FIELDS)
        payload = _payload(article)
        article.delete()
        audit_record(
            actor=actor,
            action="delete",
            entity_type=Article._meta.label_lower,
            entity_id=pk,
            summary=f"article {copy['slug']} deleted: {copy['title']}",
            changes=copy,
        )
        event_emit("article.deleted", payload)


SEED_ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "como-acompanhar-sua-solicitacao",
        "title": "Como acompanhar sua solicitação pelo portal",
        "category": "Portal do cliente",
        "language": "pt-br",
        "is_public": True,
        "body": (
            "Toda solicitação recebe um **número de protocolo** assim que é registrada.\n\n"
            "1. Entre no portal com seu e-mail ou CPF.\n"
            "2. Abra **Minhas solicitações**.\n"
            "3. Clique no protocolo para ver cada etapa, com data e responsável.\n\n"
            "Você também é avisado de cada mudança pelo canal que preferir (e-mail, SMS ou "
            "WhatsApp) — não é preciso ligar para saber o andamento.\n\n"
            "| Situação | O que significa |\n"
            "|---|---|\n"
            "| Aberta | Recebemos e vamos analisar |\n"
            "| Em atendimento | Um técnico ou atendente está cuidando |\n"
            "| Resolvida | Concluída; avalie o atendimento |\n"
        ),
    },
    {
        "slug": "manutencao-preventiva-quando-abrir-chamado",
        "title": "Manutenção preventiva: quando abrir um chamado de assistência técnica",
        "category": "Assistência técnica",
        "language": "pt-br",
        "is_public": False,
        "body": (
            "Antes de abrir um chamado, **veja na ficha do cliente se já existe um atendimento "
            "aberto** para o mesmo equipamento. Se existir, registre o novo contato *nesse* "
            "atendimento: um pedido repetido não deve gerar um segundo chamado.\n\n"
            "## Quando abrir\n\n"
            "- o equipamento parou ou apresenta defeito;\n"
            "- a manutenção preventiva anual venceu;\n"
            "- o cliente pediu uma visita técnica.\n\n"
            "## Encaminhamento ao parceiro\n\n"
            "Gere a ordem de serviço para o parceiro técnico da região e informe ao cliente o "
            "protocolo e o prazo previsto."
        ),
    },
    {
        "slug": "pedido-de-licenca-estados-e-prazos",
        "title": "Pedido de licença: estados do processo e prazos",
        "category": "Licenciamento",
        "language": "pt-pt",
        "is_public": False,
        "body": (
            "Um pedido de licença percorre o circuito regulamentar: **submetido → em "
            "apreciação → parecer técnico → decisão**.\n\n"
            "Quando o munícipe telefona a perguntar pelo estado do pedido, indique o estado "
            "atual e a data prevista da próxima etapa, que aparecem no ecrã do atendimento. "
            "Registe a chamada: um contacto só para saber o estado conta como *contacto "
            "evitável*.\n\n"
            "Prazos de referência: apreciação em 10 dias úteis; parecer técnico em 20 dias "
            "úteis."
        ),
    },
    {
        "slug": "handling-a-repeat-status-call",
        "title": "Handling a repeat status call",
        "category": "Service quality",
        "language": "en",
        "is_public": False,
        "body": (
            "A customer calling only to ask for the status of an open case is an **avoidable "
            "contact**: a proactive notice would have answered them.\n\n"
            "1. Find the case from the caller's page and read out its current status.\n"
            "2. Log the call on the case; Freguês counts it as avoidable.\n"
            "3. Check the customer's preferred channel so the next step is notified there.\n"
        ),
    },
]


def seed_articles(*, actor: Any = None) -> list[Article]:
    """Create the sample articles (pt-BR, pt-PT and English; one public) that are missing.

    Safe to run again: an article whose slug exists is left as it is.
    """
    created = []
    for spec in SEED_ARTICLES:
        if not Article.objects.filter(slug=spec["slug"]).exists():
            created.append(article_create(actor=actor, **spec))
    return created
