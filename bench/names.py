"""Reference lists the generator draws from: Brazilian and Portuguese names, places, phrases.

Plain tuples, no randomness here; the weights are rough shares of how common each choice is.
"""

from __future__ import annotations

BR_GIVEN_FEMALE: tuple[str, ...] = (
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda",
    "Patrícia", "Aline", "Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia",
    "Luciana", "Vanessa", "Mariana", "Gabriela", "Vera", "Vitória", "Larissa", "Cláudia",
    "Beatriz", "Luana", "Rita", "Sônia", "Renata", "Eliane", "Josefa", "Simone", "Natália",
    "Cristiane", "Carla", "Débora", "Rosângela", "Jaqueline", "Rosa", "Daniela", "Aparecida",
    "Marlene", "Terezinha", "Raimunda", "Andréia", "Fabiana", "Lúcia", "Raquel", "Ângela",
    "Rafaela", "Joana", "Luzia", "Elaine", "Daniele", "Regina", "Daiane", "Isabela", "Tatiane",
    "Priscila", "Sabrina", "Thaís", "Yasmin", "Lorena", "Heloísa", "Quitéria", "Iracema",
    "Conceição", "Glória", "Valéria", "Kátia", "Michele", "Roberta", "Alessandra", "Laura",
    "Sophia", "Alice", "Manuela", "Valentina", "Helena", "Lívia", "Cecília", "Maitê",
)  # fmt: skip

BR_GIVEN_MALE: tuple[str, ...] = (
    "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz",
    "Marcos", "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe",
    "Raimundo", "Rodrigo", "Manoel", "Mateus", "André", "Fernando", "Fábio", "Leonardo",
    "Gustavo", "Guilherme", "Leandro", "Tiago", "Anderson", "Ricardo", "Márcio", "Jorge",
    "Sebastião", "Alexandre", "Roberto", "Edson", "Diego", "Vitor", "Sérgio", "Cláudio",
    "Matheus", "Thiago", "Geraldo", "Adriano", "Luciano", "Júlio", "Renato", "Alex", "Vinícius",
    "Rogério", "Samuel", "Ronaldo", "Mário", "Flávio", "Douglas", "Igor", "Davi", "Caio",
    "Heitor", "Arthur", "Bernardo", "Enzo", "Miguel", "Otávio", "Benedito", "Severino",
    "Joaquim", "Wellington", "Washington", "Cícero", "Valdir", "Reinaldo", "Wagner", "Edivaldo",
)  # fmt: skip

PT_GIVEN_FEMALE: tuple[str, ...] = (
    "Maria", "Ana", "Joana", "Inês", "Beatriz", "Mariana", "Carolina", "Sofia", "Catarina",
    "Rita", "Margarida", "Leonor", "Matilde", "Francisca", "Filipa", "Sara", "Marta", "Teresa",
    "Helena", "Isabel", "Patrícia", "Cláudia", "Sónia", "Susana", "Raquel", "Luísa", "Rosa",
    "Fernanda", "Manuela", "Graça", "Fátima", "Conceição", "Lurdes", "Irene", "Benedita",
)  # fmt: skip

PT_GIVEN_MALE: tuple[str, ...] = (
    "João", "José", "António", "Francisco", "Manuel", "Pedro", "Tiago", "Rui", "Miguel",
    "Duarte", "Tomás", "Gonçalo", "Rodrigo", "Afonso", "Diogo", "Nuno", "Luís", "Paulo",
    "Ricardo", "Bruno", "Hugo", "Sérgio", "Jorge", "Carlos", "Fernando", "Vasco", "Martim",
    "Henrique", "Simão", "Salvador", "Bernardo", "Filipe", "André", "Vítor", "Joaquim",
)  # fmt: skip

BR_SURNAMES: tuple[str, ...] = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
    "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
    "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
    "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves",
    "Santana", "Teixeira", "Araújo", "Cavalcanti", "Monteiro", "Moura", "Correia", "Batista",
    "Campos", "Xavier", "Pinto", "Reis", "Melo", "Farias", "Castro", "Coelho", "Conceição",
    "Nogueira", "Brito", "Sampaio", "Azevedo", "Bezerra", "Cunha", "Pires", "Tavares",
    "Fonseca", "Medeiros", "Macedo", "Queiroz", "Siqueira", "Aragão", "Guimarães", "Vasconcelos",
    "Magalhães", "Figueiredo", "Albuquerque", "Borges", "Prado", "Sales", "Lacerda", "Brandão",
    "Assunção", "Bittencourt", "Falcão", "Pimentel", "Toledo", "Holanda", "Cordeiro", "Leite",
    "Matos", "Miranda", "Paiva", "Peixoto", "Rezende", "Sousa", "Amaral", "Bastos", "Duarte",
    "Esteves", "Frota", "Galvão", "Jardim", "Lins", "Maia", "Neves", "Paes", "Quintela",
    "Sá", "Tenório", "Valente", "Viana", "D'Ávila", "Ávila", "Guerra", "Barros", "Aguiar",
    "Yamamoto", "Nakamura", "Tanaka", "Schmidt", "Müller", "Rossi", "Bianchi", "Haddad",
    "Abreu", "Chaves", "Cruz", "Fagundes", "Godoy", "Lobo", "Morais", "Padilha", "Rangel",
)  # fmt: skip

PT_SURNAMES: tuple[str, ...] = (
    "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
    "Jesus", "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves",
    "Almeida", "Ribeiro", "Pinto", "Carvalho", "Teixeira", "Moreira", "Correia", "Mendes",
    "Nunes", "Soares", "Vieira", "Monteiro", "Cardoso", "Rocha", "Raposo", "Neves", "Coelho",
    "Cruz", "Cunha", "Pires", "Ramos", "Reis", "Simões", "Antunes", "Matos", "Fonseca",
    "Machado", "Araújo", "Barbosa", "Tavares", "Lourenço", "Castro", "Figueiredo", "Azevedo",
    "Freitas", "Magalhães", "Baptista", "Loureiro", "Valente", "Quaresma", "Brandão", "Sequeira",
    "Meireles", "Vasconcelos", "Cabral", "Seixas", "Amaral", "Bettencourt", "Frade", "Gaspar",
)  # fmt: skip

# (city, state, area code, first digit(s) of the CEP, weight)
BR_CITIES: tuple[tuple[str, str, str, str, int], ...] = (
    ("São Paulo", "SP", "11", "0", 120),
    ("Guarulhos", "SP", "11", "07", 10),
    ("Campinas", "SP", "19", "13", 11),
    ("São Bernardo do Campo", "SP", "11", "09", 8),
    ("Santo André", "SP", "11", "09", 7),
    ("Osasco", "SP", "11", "06", 7),
    ("Ribeirão Preto", "SP", "16", "14", 7),
    ("Sorocaba", "SP", "15", "18", 7),
    ("Santos", "SP", "13", "11", 4),
    ("São José dos Campos", "SP", "12", "12", 7),
    ("Rio de Janeiro", "RJ", "21", "2", 65),
    ("Niterói", "RJ", "21", "24", 5),
    ("Duque de Caxias", "RJ", "21", "25", 8),
    ("Nova Iguaçu", "RJ", "21", "26", 8),
    ("Campos dos Goytacazes", "RJ", "22", "28", 5),
    ("Belo Horizonte", "MG", "31", "3", 25),
    ("Uberlândia", "MG", "34", "38", 7),
    ("Contagem", "MG", "31", "32", 6),
    ("Juiz de Fora", "MG", "32", "36", 6),
    ("Montes Claros", "MG", "38", "39", 4),
    ("Salvador", "BA", "71", "4", 24),
    ("Feira de Santana", "BA", "75", "44", 6),
    ("Vitória da Conquista", "BA", "77", "45", 3),
    ("Fortaleza", "CE", "85", "6", 26),
    ("Juazeiro do Norte", "CE", "88", "63", 3),
    ("Recife", "PE", "81", "5", 16),
    ("Jaboatão dos Guararapes", "PE", "81", "54", 7),
    ("Caruaru", "PE", "81", "55", 3),
    ("Curitiba", "PR", "41", "8", 19),
    ("Londrina", "PR", "43", "86", 6),
    ("Maringá", "PR", "44", "87", 4),
    ("Porto Alegre", "RS", "51", "9", 14),
    ("Caxias do Sul", "RS", "54", "95", 5),
    ("Pelotas", "RS", "53", "96", 3),
    ("Florianópolis", "SC", "48", "88", 5),
    ("Joinville", "SC", "47", "89", 6),
    ("Blumenau", "SC", "47", "89", 3),
    ("Goiânia", "GO", "62", "74", 15),
    ("Aparecida de Goiânia", "GO", "62", "74", 6),
    ("Brasília", "DF", "61", "7", 30),
    ("Manaus", "AM", "92", "69", 22),
    ("Belém", "PA", "91", "66", 15),
    ("Ananindeua", "PA", "91", "67", 5),
    ("São Luís", "MA", "98", "65", 11),
    ("Teresina", "PI", "86", "64", 9),
    ("Natal", "RN", "84", "59", 9),
    ("João Pessoa", "PB", "83", "58", 8),
    ("Campina Grande", "PB", "83", "58", 4),
    ("Maceió", "AL", "82", "57", 10),
    ("Aracaju", "SE", "79", "49", 6),
    ("Cuiabá", "MT", "65", "78", 6),
    ("Campo Grande", "MS", "67", "79", 9),
    ("Vitória", "ES", "27", "29", 4),
    ("Vila Velha", "ES", "27", "29", 5),
    ("Serra", "ES", "27", "29", 5),
    ("Porto Velho", "RO", "69", "76", 5),
    ("Macapá", "AP", "96", "68", 5),
    ("Rio Branco", "AC", "68", "69", 4),
    ("Boa Vista", "RR", "95", "69", 4),
    ("Palmas", "TO", "63", "77", 3),
)

# (city, district, first digits of the postal code, weight)
PT_CITIES: tuple[tuple[str, str, str, int], ...] = (
    ("Lisboa", "Lisboa", "1", 55),
    ("Porto", "Porto", "4", 25),
    ("Vila Nova de Gaia", "Porto", "44", 15),
    ("Amadora", "Lisboa", "27", 9),
    ("Braga", "Braga", "47", 10),
    ("Coimbra", "Coimbra", "30", 8),
    ("Funchal", "Madeira", "90", 6),
    ("Setúbal", "Setúbal", "29", 6),
    ("Almada", "Setúbal", "28", 8),
    ("Aveiro", "Aveiro", "38", 5),
    ("Faro", "Faro", "80", 4),
    ("Leiria", "Leiria", "24", 5),
    ("Viseu", "Viseu", "35", 4),
    ("Évora", "Évora", "70", 3),
    ("Guimarães", "Braga", "48", 6),
    ("Ponta Delgada", "Açores", "95", 3),
    ("Matosinhos", "Porto", "44", 7),
    ("Sintra", "Lisboa", "27", 12),
    ("Cascais", "Lisboa", "27", 9),
    ("Odivelas", "Lisboa", "26", 6),
)

BR_EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 46),
    ("hotmail.com", 15),
    ("outlook.com", 8),
    ("yahoo.com.br", 8),
    ("uol.com.br", 5),
    ("bol.com.br", 4),
    ("terra.com.br", 3),
    ("icloud.com", 4),
    ("globo.com", 2),
    ("ig.com.br", 2),
    ("live.com", 3),
)

PT_EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 45),
    ("sapo.pt", 15),
    ("hotmail.com", 12),
    ("outlook.pt", 8),
    ("netcabo.pt", 5),
    ("iol.pt", 4),
    ("live.com.pt", 4),
    ("clix.pt", 2),
    ("icloud.com", 5),
)

BR_ORG_WORDS: tuple[str, ...] = (
    "Padaria", "Mercado", "Comércio", "Distribuidora", "Construtora", "Transportes",
    "Farmácia", "Auto Peças", "Oficina", "Clínica", "Escola", "Restaurante", "Papelaria",
    "Materiais de Construção", "Confecções", "Informática", "Imobiliária", "Açougue",
    "Laticínios", "Agropecuária", "Consultoria", "Hotel", "Pousada", "Lanchonete",
)  # fmt: skip

PT_ORG_WORDS: tuple[str, ...] = (
    "Pastelaria", "Mercearia", "Construções", "Transportes", "Farmácia", "Oficina",
    "Clínica", "Restaurante", "Papelaria", "Imobiliária", "Talho", "Consultoria", "Hotel",
    "Adega", "Sapataria", "Cervejaria",
)  # fmt: skip

BR_ORG_SUFFIXES: tuple[str, ...] = ("Ltda", "Ltda.", "ME", "EIRELI", "S.A.", "& Cia", "EPP")
PT_ORG_SUFFIXES: tuple[str, ...] = ("Lda", "Lda.", "Unipessoal Lda", "S.A.", "& Filhos")

LIFECYCLE: tuple[tuple[str, int], ...] = (
    ("suspect", 10),
    ("prospect", 15),
    ("buyer", 20),
    ("client", 40),
    ("advocate", 5),
    ("inactive", 7),
    ("lost", 3),
)

TIERS: tuple[tuple[str, int], ...] = (("", 60), ("bronze", 20), ("silver", 12), ("gold", 8))

# (channel, weight, share inbound)
CHANNELS: tuple[tuple[str, int, float], ...] = (
    ("phone", 34, 0.6),
    ("email", 25, 0.5),
    ("chat", 15, 0.9),
    ("sms", 10, 0.25),
    ("web_form", 10, 1.0),
    ("visit", 6, 1.0),
)

SUBJECTS: tuple[str, ...] = (
    "Segunda via de boleto", "Dúvida sobre a fatura", "Troca de produto",
    "Agendamento de visita técnica", "Reclamação: atraso na entrega", "Pedido de orçamento",
    "Atualização cadastral", "Cancelamento de serviço", "Produto com defeito",
    "Informação sobre garantia", "Renegociação de dívida", "Elogio ao atendimento",
    "Alteração de endereço de entrega", "Status do pedido", "Devolução",
    "Pedido de reembolso", "Problema no acesso ao portal", "Confirmação de pagamento",
    "Pedido de nota fiscal", "Instalação", "Mudança de plano", "Portabilidade",
    "Reclamação: cobrança indevida", "Pedido de informação", "Retorno de ligação",
    "Pedido de segunda via do contrato", "Avaria no equipamento", "Marcação de reunião",
    "Pedido de factura", "Pedido de orçamento para obra",
)  # fmt: skip

BODY_OPENINGS: tuple[str, ...] = (
    "Cliente entrou em contato informando que",
    "O cliente relata que",
    "Cliente pede retorno porque",
    "Conforme conversado,",
    "Bom dia, gostaria de saber se",
    "Olá! Escrevo porque",
    "Cliente ligou dizendo que",
    "Boa tarde, preciso de ajuda:",
    "Contato ativo:",
    "Visita realizada;",
)  # fmt: skip

BODY_MIDDLES: tuple[str, ...] = (
    "o boleto venceu e precisa de uma nova data",
    "a entrega prevista para ontem não chegou",
    "o aparelho parou de funcionar depois de uma semana",
    "o valor cobrado está diferente do combinado",
    "quer mudar o endereço de cobrança",
    "a instalação foi feita mas o serviço não funciona",
    "não recebeu a nota fiscal da última compra",
    "gostaria de cancelar o pedido antes do envio",
    "o técnico não compareceu no horário marcado",
    "pede orçamento para mais duas unidades",
    "está satisfeito com o atendimento anterior",
    "o portal mostra uma dívida já paga",
    "a fatura chegou em duplicado",
    "quer falar com o gestor da conta",
    "precisa de uma declaração de quitação",
)  # fmt: skip

BODY_ENDINGS: tuple[str, ...] = (
    "Orientado a aguardar 48 horas.",
    "Encaminhado ao setor financeiro.",
    "Protocolo informado ao cliente.",
    "Cliente ficou de enviar comprovante por e-mail.",
    "Retornar até sexta-feira.",
    "Resolvido no primeiro contato.",
    "Aguardando peça do fornecedor.",
    "Abrir chamado para a equipe técnica.",
    "",
    "Obrigado pela atenção.",
)  # fmt: skip
