"""The import screen in a browser: upload a CSV, check the preview, start, watch, read the summary."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CSV = (
    "Nome;E-mail;Telefone;Observação\n"
    "João da Silva;joao@example.com;(11) 98765-4321;vip\n"
    "Maria Souza;maria@exemplo.com.br;(21) 99876-5432;\n"
    ";sem-nome@example.com;;\n"
).encode()


def _upload(page, live_server):
    page.locator("nav.mainnav a[title='Importar']").click()
    page.wait_for_url(f"{live_server.url}/data/imports/")
    page.set_input_files(
        "#id_file", files=[{"name": "clientes.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.fill("#id_source", "erp")
    page.locator("form.import-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/data/imports/\d+/$"))


def test_upload_preview_start_and_summary(page, live_server, login, users):
    from fregues.parties.models import Party

    login("rita")
    _upload(page, live_server)

    # the preview: the header, the first rows, a chooser per column with the guess
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Maria Souza")
    expect(page.locator("#col_0")).to_have_value("name")
    expect(page.locator("#col_2")).to_have_value("phone")
    expect(page.locator("#col_3")).to_have_value("")  # "Observação": not guessed
    page.select_option("#col_3", "tags")
    page.select_option("#col_2", "")  # leave the phones out
    page.get_by_role("button", name="Iniciar a importação").click()

    summary = page.locator("#import-progress")
    expect(summary).to_contain_text("Importação concluída")
    expect(summary.locator("[data-count=created]")).to_have_text("2")
    expect(summary.locator("[data-count=rejected]")).to_have_text("1")
    with page.expect_download() as download:
        summary.get_by_role("link", name=re.compile("linhas rejeitadas")).click()
    assert download.value.suggested_filename == "clientes-rejected.csv"
    assert "sem-nome@example.com" in download.value.path().read_text(encoding="utf-8-sig")

    joao = Party.objects.get(name="João da Silva")
    assert list(joao.tags.values_list("name", flat=True)) == ["vip"]
    assert not joao.contact_points.filter(kind="phone").exists()
    page.locator("a.back").click()
    expect(page.locator("table.import-table")).to_contain_text("clientes.csv")


def test_the_page_follows_a_run_in_the_background(page, live_server, login, users, settings):
    """With a real queue the run happens elsewhere: the page polls until the summary shows."""
    from fregues.integrations.models import ImportJob
    from fregues.integrations.services import import_job_run

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    login("rita")
    _upload(page, live_server)
    page.get_by_role("button", name="Iniciar a importação").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Aguardando a vez")
    expect(progress.locator("progress")).to_be_visible()

    import_job_run(actor=users["rita"], job_id=ImportJob.objects.get().pk)  # the worker
    expect(progress).to_contain_text("Importação concluída", timeout=5000)
    expect(progress.locator("[data-count=created]")).to_have_text("2")
    expect(page.locator("#import-status")).to_have_text("Concluída")  # the head's badge too


def test_an_agent_has_no_import_entry(page, live_server, login, users):
    login("beto")
    expect(page.locator("nav.mainnav")).to_be_visible()
    expect(page.locator("nav.mainnav a[title='Importar']")).to_have_count(0)
