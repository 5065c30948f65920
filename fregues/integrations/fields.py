"""The columns Freguês reads and writes in bulk files, with the header names it recognises.

One list per kind of file. Export writes the canonical names (first column of each entry), so
an exported file imports back as is; import maps a header to a field by folding it (no accents,
case, spaces or punctuation) and looking it up among the canonical name and its aliases, in
Portuguese and English. ``--map col=field`` (or the mapping screen) overrides the guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from fregues.core.text import fold


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    aliases: tuple[str, ...] = ()
    multiple: bool = False  # several columns may map to it (two phones, two e-mails)


PARTY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Freguês id", ("fregues id", "id fregues", "party id")),
    FieldSpec(
        "external_id",
        "External id",
        (
            "codigo",
            "cod",
            "codigo cliente",
            "cod cliente",
            "id externo",
            "external id",
            "ref",
            "referencia",
            "customer id",
            "client id",
            "customer code",
            "erp id",
        ),
    ),
    FieldSpec("kind", "Kind", ("tipo", "tipo pessoa", "type", "person or organization")),
    FieldSpec(
        "name",
        "Name",
        (
            "nome",
            "nome completo",
            "razao social",
            "full name",
            "cliente",
            "customer",
            "customer name",
            "contact name",
            "nome do cliente",
        ),
    ),
    FieldSpec("given_name", "Given name", ("primeiro nome", "first name", "prenome", "first")),
    FieldSpec(
        "family_name", "Family name", ("sobrenome", "apelido", "last name", "surname", "last")
    ),
    FieldSpec("legal_name", "Legal name", ("nome legal", "legal name", "company legal name")),
    FieldSpec(
        "email",
        "E-mail",
        (
            "e mail",
            "email",
            "mail",
            "correio eletronico",
            "correio electronico",
            "endereco de email",
            "email address",
            "e mail 2",
            "email 2",
            "email secundario",
        ),
        multiple=True,
    ),
    FieldSpec(
        "phone",
        "Phone",
        (
            "telefone",
            "tel",
            "fone",
            "celular",
            "telemovel",
            "telemóvel",
            "movel",
            "mobile",
            "phone number",
            "telefone fixo",
            "telefone 2",
            "cell",
            "cell phone",
            "whatsapp",
            "numero",
            "contato",
        ),
        multiple=True,
    ),
    FieldSpec(
        "tax_id",
        "Tax id",
        (
            "cpf",
            "cnpj",
            "cpf cnpj",
            "cpf/cnpj",
            "nif",
            "nipc",
            "contribuinte",
            "documento",
            "tax id",
            "vat",
            "vat number",
            "ssn",
        ),
    ),
    FieldSpec("country", "Country", ("pais", "país", "country code")),
    FieldSpec("language", "Language", ("idioma", "lingua", "língua")),
    FieldSpec("birth_date", "Birth date", ("data de nascimento", "nascimento", "dob", "birthday")),
    FieldSpec(
        "lifecycle_stage", "Lifecycle stage", ("estagio", "estágio", "fase", "etapa", "stage")
    ),
    FieldSpec("tier", "Tier", ("nivel", "nível", "segmento", "categoria", "segment")),
    FieldSpec("preferred_channel", "Preferred channel", ("canal preferido", "canal")),
    FieldSpec("owner", "Relationship manager", ("gestor", "responsavel", "vendedor", "owner")),
    FieldSpec("tags", "Tags", ("etiquetas", "marcadores", "labels")),
    FieldSpec(
        "street", "Street", ("rua", "logradouro", "endereco", "endereço", "morada", "address")
    ),
    FieldSpec("number", "Number", ("numero endereco", "nº", "no", "house number")),
    FieldSpec("complement", "Complement", ("complemento", "address 2", "apto")),
    FieldSpec("district", "District", ("bairro", "freguesia", "neighbourhood", "neighborhood")),
    FieldSpec(
        "city", "City", ("cidade", "municipio", "município", "concelho", "localidade", "town")
    ),
    FieldSpec("region", "State / region", ("estado", "uf", "distrito", "state", "province")),
    FieldSpec(
        "postal_code",
        "Postal code",
        ("cep", "codigo postal", "código postal", "zip", "zip code", "postcode"),
    ),
)

INTERACTION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("external_id", "Message id", ("id externo", "message id", "id mensagem", "codigo")),
    FieldSpec("party_id", "Freguês customer id", ("fregues id", "id cliente fregues")),
    FieldSpec(
        "party_external_id",
        "Customer external id",
        ("codigo cliente", "cod cliente", "customer code", "customer id", "client id", "cliente"),
    ),
    FieldSpec("party_email", "Customer e-mail", ("email", "e mail", "email cliente", "from")),
    FieldSpec("party_phone", "Customer phone", ("telefone", "phone", "celular", "numero")),
    FieldSpec("channel", "Channel", ("canal", "meio", "medium")),
    FieldSpec("direction", "Direction", ("direcao", "direção", "sentido", "in out")),
    FieldSpec(
        "occurred_at",
        "When",
        ("data", "data hora", "quando", "date", "datetime", "timestamp", "occurred", "sent at"),
    ),
    FieldSpec("subject", "Subject", ("assunto", "titulo", "título", "title")),
    FieldSpec("body", "Body", ("texto", "mensagem", "conteudo", "conteúdo", "message", "text")),
    FieldSpec("outcome", "Outcome", ("resultado", "result")),
    FieldSpec("duration_seconds", "Duration (s)", ("duracao", "duração", "duration", "segundos")),
    FieldSpec("agent", "Agent", ("atendente", "agente", "operador", "user", "username")),
)

LEAD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "external_id",
        "Lead code",
        ("codigo", "código", "cod", "id externo", "external id", "id lead", "lead id", "ref"),
    ),
    FieldSpec(
        "name",
        "Name",
        ("nome", "nome completo", "contato", "lead", "full name", "contact", "contact name"),
    ),
    FieldSpec(
        "email",
        "E-mail",
        ("e mail", "email", "mail", "email address", "correio eletronico", "e mail 2"),
        multiple=True,
    ),
    FieldSpec(
        "phone",
        "Phone",
        ("telefone", "tel", "fone", "celular", "telemovel", "mobile", "whatsapp", "phone number"),
        multiple=True,
    ),
    FieldSpec(
        "company",
        "Company",
        ("empresa", "organizacao", "organização", "razao social", "company name", "organization"),
    ),
    FieldSpec("job_title", "Job title", ("cargo", "funcao", "função", "title", "position")),
    FieldSpec("tax_id", "Tax id", ("cpf", "cnpj", "cpf cnpj", "cpf/cnpj", "nif", "documento")),
    FieldSpec(
        "source_detail",
        "Origin",
        ("origem", "fonte", "campanha", "evento", "source", "origin", "campaign", "lead source"),
    ),
    FieldSpec(
        "interest",
        "Interested in",
        ("interesse", "produto", "produto de interesse", "interest", "interested in", "product"),
    ),
    FieldSpec(
        "message",
        "Message",
        ("mensagem", "observacao", "observação", "observacoes", "comentario", "notes", "note"),
        multiple=True,
    ),
    FieldSpec(
        "estimated_amount",
        "Estimated amount",
        ("valor estimado", "valor", "orcamento", "orçamento", "amount", "value", "budget"),
    ),
    FieldSpec("currency", "Currency", ("moeda", "currency code")),
    FieldSpec("owner", "Owner", ("responsavel", "responsável", "vendedor", "dono", "owner")),
    FieldSpec("city", "City", ("cidade", "municipio", "município", "localidade", "town")),
    FieldSpec("country", "Country", ("pais", "país", "country code")),
    FieldSpec("language", "Language", ("idioma", "lingua", "língua")),
)

# One row per order line; the rows of an order (same order id) follow each other in the file.
ORDER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "order_id",
        "Order id",
        (
            "pedido",
            "numero",
            "numero pedido",
            "numero do pedido",
            "n pedido",
            "no pedido",
            "nº pedido",
            "id pedido",
            "pedido id",
            "codigo pedido",
            "cod pedido",
            "order",
            "order id",
            "order number",
            "order no",
            "external id",
            "id externo",
        ),
    ),
    FieldSpec("number", "Document number", ("documento", "numero documento", "document number")),
    FieldSpec(
        "ordered_at",
        "Order date",
        ("data", "data pedido", "data do pedido", "emissao", "data emissao", "date", "order date"),
    ),
    FieldSpec(
        "customer_external_id",
        "Customer code",
        (
            "cliente",
            "cliente codigo",
            "codigo cliente",
            "cod cliente",
            "cliente id",
            "id cliente",
            "customer",
            "customer code",
            "customer id",
            "client id",
        ),
    ),
    FieldSpec(
        "customer_tax_id",
        "Customer tax id",
        (
            "cpf",
            "cnpj",
            "cpf cnpj",
            "cpf/cnpj",
            "nif",
            "nipc",
            "documento cliente",
            "tax id",
            "vat",
        ),
    ),
    FieldSpec(
        "customer_email",
        "Customer e-mail",
        ("email", "e mail", "email cliente", "e mail cliente", "customer email"),
    ),
    FieldSpec("party_id", "Freguês customer id", ("fregues id", "id cliente fregues")),
    FieldSpec(
        "sku",
        "SKU",
        (
            "codigo produto",
            "cod produto",
            "produto codigo",
            "codigo item",
            "referencia",
            "ref",
            "product code",
            "item code",
            "item sku",
        ),
    ),
    FieldSpec(
        "product_external_id",
        "Product external id",
        ("produto id", "id produto", "product id", "product external id"),
    ),
    FieldSpec(
        "description",
        "Description",
        ("descricao", "produto", "item", "nome produto", "description", "product", "product name"),
    ),
    FieldSpec("unit", "Unit", ("unidade", "un", "und", "unit", "uom")),
    FieldSpec("quantity", "Quantity", ("quantidade", "qtd", "qtde", "quant", "qty", "quantity")),
    FieldSpec(
        "unit_price",
        "Unit price",
        (
            "preco unitario",
            "preco",
            "valor unitario",
            "vlr unitario",
            "vl unitario",
            "unit price",
            "price",
        ),
    ),
    FieldSpec(
        "discount_percent",
        "Discount (%)",
        ("desc", "perc desconto", "desconto percentual", "discount percent", "discount pct"),
    ),
    FieldSpec(
        "discount",
        "Discount",
        ("desconto", "valor desconto", "vlr desconto", "discount", "discount amount"),
    ),
    FieldSpec(
        "tax_rate",
        "Tax (%)",
        ("imposto", "aliquota", "alíquota", "taxa imposto", "iva", "tax", "tax rate", "vat rate"),
    ),
    FieldSpec("tax_code", "Tax code", ("codigo imposto", "tax code")),
    FieldSpec(
        "unit_cost", "Unit cost", ("custo", "custo unitario", "preco custo", "cost", "unit cost")
    ),
    FieldSpec("currency", "Currency", ("moeda", "currency")),
    FieldSpec(
        "status",
        "Status",
        ("situacao", "situação", "status", "situacao pedido", "estado pedido", "order status"),
    ),
    FieldSpec(
        "payment_state",
        "Payment",
        (
            "pagamento",
            "situacao pagamento",
            "status pagamento",
            "pago",
            "payment",
            "payment status",
        ),
    ),
    FieldSpec("amount_paid", "Amount paid", ("valor pago", "total pago", "amount paid", "paid")),
    FieldSpec("paid_at", "Paid at", ("data pagamento", "pago em", "paid at", "payment date")),
    FieldSpec("notes", "Notes", ("observacao", "observacoes", "obs", "notas", "notes")),
)

# One row per grant or withdrawal; the customer named by id, code, tax id or e-mail.
CONSENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("party_id", "Freguês customer id", ("fregues id", "id cliente fregues", "party id")),
    FieldSpec(
        "customer_external_id",
        "Customer code",
        (
            "cliente",
            "codigo cliente",
            "cod cliente",
            "cliente id",
            "id cliente",
            "customer",
            "customer code",
            "customer id",
            "client id",
        ),
    ),
    FieldSpec(
        "customer_tax_id",
        "Customer tax id",
        ("cpf", "cnpj", "cpf cnpj", "cpf/cnpj", "nif", "documento", "tax id", "vat"),
    ),
    FieldSpec(
        "customer_email",
        "Customer e-mail",
        ("email", "e mail", "email cliente", "e mail cliente", "customer email", "mail"),
    ),
    FieldSpec(
        "purpose",
        "Purpose",
        ("finalidade", "proposito", "propósito", "consentimento", "tipo consentimento", "consent"),
    ),
    FieldSpec("channel", "Channel", ("canal", "meio", "medium")),
    FieldSpec(
        "granted",
        "Granted (yes/no)",
        (
            "consentiu",
            "concedido",
            "autorizado",
            "autoriza",
            "aceite",
            "aceito",
            "opt in",
            "optin",
            "granted",
            "consented",
            "allowed",
            "status",
        ),
    ),
    FieldSpec(
        "occurred_at",
        "When",
        ("data", "data hora", "quando", "data consentimento", "date", "datetime", "timestamp"),
    ),
    FieldSpec("source", "Consent source", ("origem", "fonte", "source", "origin")),
    FieldSpec(
        "text_version",
        "Text version seen",
        ("versao", "versão", "versao texto", "versão do texto", "versao do texto", "version"),
    ),
    FieldSpec(
        "external_id",
        "Record id",
        ("id", "codigo registro", "id registro", "id externo", "external id", "record id", "ref"),
    ),
    FieldSpec("note", "Note", ("observacao", "observação", "obs", "nota", "notes")),
)

FIELDS = {
    "parties": PARTY_FIELDS,
    "interactions": INTERACTION_FIELDS,
    "leads": LEAD_FIELDS,
    "orders": ORDER_FIELDS,
    "consents": CONSENT_FIELDS,
}

# Kinds whose rows come in groups (the lines of one order): a batch never splits a group.
GROUPED_BY = {"orders": "order_id"}


def header_key(header: str) -> str:
    """A header folded for matching: "E-mail do Cliente" → "e mail do cliente"."""
    folded = fold(header or "")
    cleaned = "".join(ch if ch.isalnum() or ch == "/" else " " for ch in folded)
    return " ".join(cleaned.replace("/", " ").split())


def auto_map(header: list[str], kind: str) -> dict[str, str]:
    """Guess the field of each column: ``{column header: field name}`` (unknown columns left out).

    A field that does not take several columns goes to the first column that names it.
    """
    specs = FIELDS[kind]
    lookup: dict[str, FieldSpec] = {}
    for spec in specs:
        for alias in (spec.name, spec.label, *spec.aliases):
            lookup.setdefault(header_key(alias), spec)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        found = lookup.get(header_key(column))
        if found is None or column in mapping:
            continue
        if found.name in taken and not found.multiple:
            continue
        mapping[column] = found.name
        taken.add(found.name)
    return mapping
