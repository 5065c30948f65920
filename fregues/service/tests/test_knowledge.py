"""The knowledge base: /api/v1/kb, its services and selectors, and the Markdown sanitiser."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from fregues.accounts.services import token_create, user_create
from fregues.core.errors import Forbidden, Invalid, NotFound
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.service.markup import excerpt, render_markdown
from fregues.service.models import Article
from fregues.service.selectors.knowledge import (
    article_categories,
    article_get,
    article_list,
    article_search,
)
from fregues.service.services.knowledge import (
    article_create,
    article_delete,
    article_update,
    seed_articles,
)
from fregues.service.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

KB = "/api/v1/kb"


class Api:
    """A JSON client for /api/v1/kb as one user (bearer token)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        headers = {}
        if user is not None:
            headers["Authorization"] = f"Bearer {token_create(actor=None, user=user)}"
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(KB + path, params or {})

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(KB + path, json.dumps(body or {}), content_type="application/json")

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(KB + path, json.dumps(body), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(KB + path)


_users = iter(range(1, 10_000))


def make_user(role: str) -> Any:
    return user_create(actor=None, username=f"kb-{role}-{next(_users)}", password=None, role=role)


@pytest.fixture
def api_as() -> Callable[[str], Api]:
    """``api_as("agent")``: an API client for a new user of that role."""
    return lambda role: Api(make_user(role))


@pytest.fixture
def admin_api(api_as: Callable[[str], Api]) -> Api:
    return api_as("admin")


@pytest.fixture
def agent_api(api_as: Callable[[str], Api]) -> Api:
    return api_as("agent")


@pytest.fixture
def unchanged() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """``with unchanged(): ...`` fails when an article, audit entry or event was written."""

    def counts() -> tuple[int, int, int]:
        return Article.objects.count(), AuditEntry.objects.count(), OutboxEvent.objects.count()

    @contextlib.contextmanager
    def check() -> Iterator[None]:
        before = counts()
        yield
        assert counts() == before, "a rejected request wrote rows"

    return check


MANUTENCAO = {
    "title": "Manutenção preventiva do ar-condicionado",
    "body": "Agende a **manutenção** uma vez por ano.\n\n- limpe os filtros\n- verifique o gás",
    "category": "Assistência técnica",
    "language": "pt-br",
}


def create(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post("/articles", {**MANUTENCAO, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()


# --- create --------------------------------------------------------------------------------


def test_create_renders_slugs_audits_and_announces(admin_api: Api) -> None:
    body = create(admin_api)
    assert body["slug"] == "manutencao-preventiva-do-ar-condicionado"
    assert body["language"] == "pt-br"
    assert body["is_published"] is True and body["is_public"] is False
    assert "<strong>manutenção</strong>" in body["html"]
    assert "<li>limpe os filtros</li>" in body["html"]
    assert body["author"]["username"] == admin_api.user.username

    article = Article.objects.get(pk=body["id"])
    assert article.search_text.split("\n")[0] == "manutencao preventiva do ar-condicionado"
    assert "verifique o gas" in article.search_text
    assert "**" not in article.search_text

    entry = AuditEntry.objects.get(entity_type="service.article", entity_id=article.pk)
    assert entry.action == "create"
    assert entry.actor_id == admin_api.user.pk
    assert entry.changes["title"] == MANUTENCAO["title"]
    names = list(OutboxEvent.objects.values_list("name", flat=True))
    assert names.count("article.created") == 1
    assert names.count("article.published") == 1
    event = OutboxEvent.objects.get(name="article.published")
    assert event.payload["article_id"] == article.pk
    assert event.payload["slug"] == article.slug


@pytest.mark.parametrize("role", ["quality_manager", "relationship_manager"])
def test_managers_write_articles(api_as: Callable[[str], Api], role: str) -> None:
    assert create(api_as(role))["id"]


@pytest.mark.parametrize("role", ["agent", "sales", "marketing"])
def test_other_roles_read_but_cannot_write(
    api_as: Callable[[str], Api], admin_api: Api, role: str, unchanged: Callable
) -> None:
    article = create(admin_api)
    api = api_as(role)
    assert api.get("/articles").json()["items"][0]["id"] == article["id"]
    assert api.get(f"/articles/{article['id']}").status_code == 200
    assert api.get("/articles", {"q": "manutencao"}).json()["items"]
    with unchanged():
        response = api.post("/articles", MANUTENCAO)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert api.patch(f"/articles/{article['id']}", {"title": "x"}).status_code == 403
        assert api.delete(f"/articles/{article['id']}").status_code == 403
        assert api.post(f"/articles/{article['id']}/unpublish").status_code == 403


def test_anonymous_is_401() -> None:
    response = Api(None).get("/articles")
    assert response.status_code == 401
    assert Api(None).post("/articles", MANUTENCAO).status_code == 401


def test_bad_input_is_422_with_every_error_and_nothing_written(
    admin_api: Api, unchanged: Callable
) -> None:
    with unchanged():
        response = admin_api.post(
            "/articles", {"title": "   ", "body": "", "language": "fr", "category": "x" * 81}
        )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"title", "body", "language", "category"}
    assert "pt-br" in body["errors"]["language"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x" * 201}, "title"),
        ({"language": "klingon"}, "language"),
        ({"slug": "2024"}, "slug"),
        ({"slug": "---"}, "slug"),
        ({"is_public": "maybe"}, "is_public"),
    ],
)
def test_each_bad_field_is_named(
    admin_api: Api, unchanged: Callable, payload: dict[str, Any], field: str
) -> None:
    with unchanged():
        response = admin_api.post("/articles", {**MANUTENCAO, **payload})
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]


def test_language_is_normalised(admin_api: Api) -> None:
    assert create(admin_api, language="pt_PT")["language"] == "pt-pt"
    assert create(admin_api, language="EN")["language"] == "en"


# --- slugs ---------------------------------------------------------------------------------


def test_slugs_are_unique_and_stable(admin_api: Api) -> None:
    slugs = [create(admin_api)["slug"] for _ in range(3)]
    base = "manutencao-preventiva-do-ar-condicionado"
    assert slugs == [base, f"{base}-2", f"{base}-3"]

    first = Article.objects.get(slug=base)
    response = admin_api.patch(f"/articles/{first.pk}", {"title": "Revisão anual"})
    assert response.status_code == 200
    assert response.json()["slug"] == base  # links keep working

    assert create(admin_api, title="2024")["slug"] == "article-2024"
    assert create(admin_api, title="¿¡!")["slug"] == "article"
    assert create(admin_api, slug="Meu Artigo Ótimo")["slug"] == "meu-artigo-otimo"


def test_a_taken_slug_is_409(admin_api: Api, unchanged: Callable) -> None:
    create(admin_api, slug="garantia")
    other = create(admin_api, title="Outro")
    with unchanged():
        response = admin_api.post("/articles", {**MANUTENCAO, "slug": "garantia"})
        assert response.status_code == 409
        assert response.json()["code"] == "slug_taken"
        response = admin_api.patch(f"/articles/{other['id']}", {"slug": "garantia"})
        assert response.status_code == 409


# --- read ----------------------------------------------------------------------------------


def test_get_by_id_or_slug_and_404(admin_api: Api, agent_api: Api) -> None:
    article = create(admin_api)
    assert agent_api.get(f"/articles/{article['slug']}").json()["id"] == article["id"]
    for path in ("/articles/999999", "/articles/no-such-article"):
        response = agent_api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert admin_api.patch("/articles/999999", {"title": "x"}).status_code == 404
    assert admin_api.delete("/articles/999999").status_code == 404
    assert admin_api.post("/articles/999999/publish").status_code == 404


def test_drafts_are_for_writers_only(admin_api: Api, agent_api: Api) -> None:
    draft = create(admin_api, is_published=False)
    create(admin_api, title="Publicado", body="Outro assunto.")
    assert agent_api.get(f"/articles/{draft['id']}").status_code == 404
    assert admin_api.get(f"/articles/{draft['id']}").status_code == 200
    agent_titles = [a["title"] for a in agent_api.get("/articles").json()["items"]]
    assert agent_titles == ["Publicado"]
    assert agent_api.get("/articles", {"published": "false"}).json()["items"] == []
    drafts = admin_api.get("/articles", {"published": "false"}).json()["items"]
    assert [a["id"] for a in drafts] == [draft["id"]]
    assert len(admin_api.get("/articles").json()["items"]) == 2
    # no draft in search, even for writers: the search is what agents and the portal see
    assert agent_api.get("/articles", {"q": "manutencao"}).json()["items"] == []
    assert article_search(actor=admin_api.user, q="manutencao") == []


def test_list_pages_by_title(admin_api: Api, agent_api: Api) -> None:
    for title in ["Eco", "Alfa", "Delta", "Bravo", "Charlie"]:
        create(admin_api, title=title)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = agent_api.get("/articles", params).json()
        seen += [a["title"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Alfa", "Bravo", "Charlie", "Delta", "Eco"]
    assert agent_api.get("/articles", {"cursor": "%%%"}).status_code == 422
    assert agent_api.get("/articles", {"limit": 0}).status_code == 422


def test_summary_has_an_excerpt(admin_api: Api) -> None:
    create(admin_api, body="# Passo\n\n" + "palavra " * 100)
    item = admin_api.get("/articles").json()["items"][0]
    assert item["excerpt"].startswith("Passo palavra palavra")
    assert item["excerpt"].endswith("…") and len(item["excerpt"]) <= 241
    assert "body" not in item


# --- search --------------------------------------------------------------------------------


def test_search_ignores_accents_and_case(admin_api: Api, agent_api: Api) -> None:
    article = create(admin_api)
    create(admin_api, title="Segunda via de boleto", body="Emita pelo portal.", category="")
    for q in ["manutencao", "MANUTENÇÃO", "Manutenção preventiva", "filtros gás", "técnica"]:
        items = agent_api.get("/articles", {"q": q}).json()["items"]
        assert [a["id"] for a in items] == [article["id"]], q
    assert agent_api.get("/articles", {"q": "manutencao boleto"}).json()["items"] == []
    found = article_search(actor=agent_api.user, q="  BOLETO?  ")
    assert [a.title for a in found] == ["Segunda via de boleto"]
    assert article_search(actor=agent_api.user, q="   ") == []


def test_search_ranks_title_matches_first(admin_api: Api, agent_api: Api) -> None:
    create(admin_api, title="Aaa: troca de aparelho", body="Veja a garantia antes.")
    create(admin_api, title="Garantia estendida", body="Cobre 2 anos.")
    create(admin_api, title="Zzz: garantia e devolução", body="Política de garantia.")
    titles = [a["title"] for a in agent_api.get("/articles", {"q": "garantia"}).json()["items"]]
    assert titles == ["Garantia estendida", "Zzz: garantia e devolução", "Aaa: troca de aparelho"]
    ranked = article_search(actor=agent_api.user, q="garantia devolucao")
    assert [a.title for a in ranked] == ["Zzz: garantia e devolução"]
    assert len(article_search(actor=agent_api.user, q="garantia", limit=1)) == 1
    response = agent_api.get("/articles", {"q": "garantia", "cursor": "abc"})
    assert response.status_code == 422


def test_language_filter(admin_api: Api, agent_api: Api) -> None:
    create(admin_api, title="Senha do portal", body="Troque a senha.", language="pt-br")
    create(admin_api, title="Palavra-passe do portal", body="Altere.", language="pt-pt")
    create(admin_api, title="Portal password", body="Reset it.", language="en")

    def titles(**params: Any) -> list[str]:
        return [a["title"] for a in agent_api.get("/articles", params).json()["items"]]

    assert titles(language="pt-br") == ["Senha do portal"]
    assert titles(language="en") == ["Portal password"]
    assert titles(language="pt") == ["Palavra-passe do portal", "Senha do portal"]
    assert titles(q="portal", language="pt-pt") == ["Palavra-passe do portal"]
    response = agent_api.get("/articles", {"language": "de"})
    assert response.status_code == 422 and "language" in response.json()["errors"]
    en = article_search(actor=agent_api.user, q="portal", language="en")
    assert [a.title for a in en] == ["Portal password"]


def test_public_filter(admin_api: Api, agent_api: Api) -> None:
    create(admin_api, title="Interno: roteiro de atendimento", body="Só para atendentes.")
    create(admin_api, title="Como acompanhar o protocolo", body="Pelo portal.", is_public=True)
    public = agent_api.get("/articles", {"public": "true"}).json()["items"]
    assert [a["title"] for a in public] == ["Como acompanhar o protocolo"]
    internal = agent_api.get("/articles", {"public": "false"}).json()["items"]
    assert [a["title"] for a in internal] == ["Interno: roteiro de atendimento"]
    portal = article_search(actor=None, q="como", public_only=True)
    assert [a.title for a in portal] == ["Como acompanhar o protocolo"]
    assert article_search(actor=None, q="atendimento", public_only=True) == []


def test_categories(admin_api: Api, agent_api: Api) -> None:
    create(admin_api, category="Faturação", is_public=True)
    create(admin_api, category="faturacao")  # the spelling in use is kept
    create(admin_api, category="Assistência técnica", language="en")
    create(admin_api, category="Rascunhos", is_published=False)
    assert agent_api.get("/categories").json() == [
        {"name": "Assistência técnica", "count": 1},
        {"name": "Faturação", "count": 2},
    ]
    assert agent_api.get("/categories", {"public": "true"}).json() == [
        {"name": "Faturação", "count": 1}
    ]
    assert agent_api.get("/categories", {"language": "en"}).json() == [
        {"name": "Assistência técnica", "count": 1}
    ]
    assert len(admin_api.get("/categories").json()) == 3  # writers see the drafts' too
    items = agent_api.get("/articles", {"category": "faturação"}).json()["items"]
    assert len(items) == 2


# --- update, publish, delete ---------------------------------------------------------------


def test_update_changes_what_is_sent_and_reindexes(admin_api: Api, agent_api: Api) -> None:
    article = create(admin_api)
    response = admin_api.patch(
        f"/articles/{article['slug']}",
        {"body": "Troque o **compressor**.", "is_public": True, "category": "Climatização"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == MANUTENCAO["title"]
    assert body["is_public"] is True
    assert "<strong>compressor</strong>" in body["html"]
    assert agent_api.get("/articles", {"q": "compressor"}).json()["items"][0]["id"] == body["id"]
    assert agent_api.get("/articles", {"q": "filtros"}).json()["items"] == []
    assert agent_api.get("/articles", {"q": "climatizacao"}).json()["items"]

    entry = AuditEntry.objects.filter(action="update", entity_id=body["id"]).get()
    assert set(entry.changes) == {"body", "is_public", "category"}
    assert entry.changes["is_public"] == [False, True]
    event = OutboxEvent.objects.get(name="article.updated")
    assert event.payload["fields"] == ["body", "category", "is_public"]


def test_update_with_nothing_new_writes_nothing(admin_api: Api, unchanged: Callable) -> None:
    article = create(admin_api)
    with unchanged():
        response = admin_api.patch(f"/articles/{article['id']}", {"title": MANUTENCAO["title"]})
        assert response.status_code == 200
        response = admin_api.patch(f"/articles/{article['id']}", {})
        assert response.status_code == 200


def test_bad_update_is_422_and_writes_nothing(admin_api: Api, unchanged: Callable) -> None:
    article = create(admin_api)
    with unchanged():
        response = admin_api.patch(
            f"/articles/{article['id']}", {"title": "", "language": "xx", "body": None}
        )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "language", "body"}
    assert Article.objects.get(pk=article["id"]).title == MANUTENCAO["title"]


def test_publish_and_unpublish(admin_api: Api, agent_api: Api) -> None:
    article = create(admin_api, is_published=False)
    assert not OutboxEvent.objects.filter(name="article.published").exists()
    response = admin_api.post(f"/articles/{article['id']}/publish")
    assert response.status_code == 200 and response.json()["is_published"] is True
    assert agent_api.get(f"/articles/{article['id']}").status_code == 200
    assert OutboxEvent.objects.filter(name="article.published").count() == 1

    response = admin_api.post(f"/articles/{article['slug']}/unpublish")
    assert response.json()["is_published"] is False
    assert agent_api.get(f"/articles/{article['id']}").status_code == 404
    assert OutboxEvent.objects.filter(name="article.unpublished").count() == 1


def test_delete_erases_and_keeps_a_copy_in_the_audit(admin_api: Api, agent_api: Api) -> None:
    article = create(admin_api, is_public=True)
    response = admin_api.delete(f"/articles/{article['id']}")
    assert response.status_code == 204
    assert agent_api.get(f"/articles/{article['id']}").status_code == 404
    assert article_search(actor=None, q="manutencao", public_only=True) == []
    entry = AuditEntry.objects.get(action="delete", entity_id=article["id"])
    assert entry.entity_type == "service.article"
    assert entry.changes["body"] == MANUTENCAO["body"]
    assert entry.actor_id == admin_api.user.pk
    assert OutboxEvent.objects.get(name="article.deleted").payload["is_public"] is True
    assert admin_api.delete(f"/articles/{article['id']}").status_code == 404


# --- services and selectors directly -------------------------------------------------------


def test_services_check_the_role_and_the_system_may_write() -> None:
    agent = make_user("agent")
    with pytest.raises(Forbidden):
        article_create(actor=agent, title="x", body="y")
    article = article_create(actor=None, title="Pelo sistema", body="Texto.")
    assert article.author is None
    with pytest.raises(Forbidden):
        article_update(actor=agent, article_id=article.pk, title="z")
    with pytest.raises(Forbidden):
        article_delete(actor=agent, article_id=article.pk)
    inactive = make_user("admin")
    inactive.is_active = False
    with pytest.raises(Forbidden):
        article_create(actor=inactive, title="x", body="y")
    with pytest.raises(NotFound):
        article_update(actor=None, article_id=article.pk + 1000, title="z")
    with pytest.raises(Invalid) as exc:
        article_update(actor=None, article_id=article.pk, language=None)  # type: ignore[arg-type]
    assert "language" in exc.value.errors


def test_selectors_with_factory_rows() -> None:
    agent = make_user("agent")
    ArticleFactory(title="Devolução de produto", body="Prazo de 7 dias.", category="Vendas")
    ArticleFactory(title="Rascunho", is_published=False)
    ArticleFactory(title="Return policy", body="Seven days.", language="en", is_public=True)
    assert [a.title for a in article_search(actor=agent, q="devolucao")] == ["Devolução de produto"]
    assert article_list(actor=agent).count() == 2
    assert article_list(actor=agent, is_public=True, language="en").get().title == "Return policy"
    assert article_get(actor=agent, slug=Article.objects.get(language="en").slug)
    with pytest.raises(NotFound):
        article_get(actor=agent, article_id=Article.objects.get(title="Rascunho").pk)
    with pytest.raises(NotFound):
        article_get(actor=agent)
    assert article_categories(actor=agent, language="pt") == [{"name": "Vendas", "count": 1}]


def test_seed_articles_is_repeatable() -> None:
    created = seed_articles()
    assert len(created) == 4
    assert seed_articles() == []
    assert {a.language for a in created} == {"pt-br", "pt-pt", "en"}
    assert [a.slug for a in created if a.is_public] == ["como-acompanhar-sua-solicitacao"]
    found = article_search(actor=None, q="manutencao", language="pt")
    assert [a.slug for a in found] == ["manutencao-preventiva-quando-abrir-chamado"]
    assert AuditEntry.objects.filter(entity_type="service.article").count() == 4


# --- the sanitiser -------------------------------------------------------------------------

XSS = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    '<img src="https://ok.example/a.png" onload="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="jav&#x61;script:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    '<a href="https://ok.example" onmouseover="alert(1)" target="_blank">x</a>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="password"></form>',
    "<object data=\"https://evil.example/x.swf\"></object><embed src='x.swf'>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "![x](javascript:alert(1))",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<p {: onclick='alert(1)'}>x</p>\n\nParagraph\n{: onclick=\"alert(1)\" }",
]


@pytest.mark.parametrize("vector", XSS)
def test_xss_vectors_are_stripped(vector: str) -> None:
    html = render_markdown(f"Texto antes.\n\n{vector}\n\nTexto depois.").lower()
    for bad in (
        "<script", "javascript:", "vbscript:", "data:", "onerror", "onload", "onclick",
        "onmouseover", "<iframe", "<svg", "<style", "<form", "<input", "<object", "<embed",
        "<meta", "target=", "style=\"background",
    ):  # fmt: skip
        assert bad not in html, (vector, html)
    assert "texto antes." in html  # (an unclosed <style> swallows the rest: fine)


def test_xss_is_stripped_through_the_api(admin_api: Api) -> None:
    body = create(
        admin_api,
        body="Oi <script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1))",
    )
    assert "<script" not in body["html"] and "onerror" not in body["html"]
    assert "javascript:" not in body["html"]
    assert "alert" not in Article.objects.get(pk=body["id"]).search_text  # script text unsearched
    assert body["body"].startswith("Oi <script>")  # the source is kept as written


def test_what_articles_may_contain_survives() -> None:
    html = render_markdown(
        "## Passos {#passos}\n\n"
        "1. um\n2. dois\n\n"
        "| Campo | Valor |\n|:--|--:|\n| a | 1 |\n\n"
        "```python\nprint('olá')\n```\n\n"
        'Veja [o site](https://fregues.example/ajuda "Ajuda"), [e-mail](mailto:a@b.pt), '
        "[outro artigo](/kb/articles/garantia) e [acima](#passos).\n\n"
        "![logo](https://fregues.example/logo.png) ![local](/media/kb/a.png) "
        "![http](http://insecure.example/a.png)\n\n"
        "Nota[^1]. <kbd>Ctrl</kbd>\n\n[^1]: Rodapé."
    )
    assert '<h2 id="kb-passos">Passos</h2>' in html
    assert "<ol>" in html and "<li>dois</li>" in html
    assert '<th style="text-align:left">Campo</th>' in html
    assert '<td style="text-align:right">1</td>' in html
    assert '<code class="language-python">' in html
    assert 'href="https://fregues.example/ajuda"' in html and 'title="Ajuda"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:a@b.pt"' in html
    assert 'href="/kb/articles/garantia"' in html
    assert 'href="#kb-passos"' in html
    assert 'src="https://fregues.example/logo.png"' in html
    assert 'src="/media/kb/a.png"' in html
    assert "insecure.example" not in html  # http images: mixed content
    for src in ("//evil.example/a.png", "/\\evil.example/a.png", "HTTP://evil.example/a.png"):
        assert "evil" not in render_markdown(f'<img src="{src}" alt="x">'), src
    assert 'class="footnote"' in html and 'id="kb-fn:1"' in html
    assert "<kbd>Ctrl</kbd>" in html


def test_excerpt_is_plain_text() -> None:
    assert excerpt("# Título\n\nCom **negrito** e <script>x()</script> fim.") == (
        "Título Com negrito e fim."
    )
    assert excerpt("") == ""
