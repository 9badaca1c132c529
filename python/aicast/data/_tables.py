"""The shipped tables' metadata: file, columns, source, licence, attribution, derivation.

Pure standard library, so ``derive.py`` reads it without importing :mod:`aicast` (or its
compiled engine); :mod:`aicast.data` and ``SOURCES.md`` carry the same text.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------
# Shared provenance text
# ---------------------------------------------------------------------------

_EPOCH_PRICES_SOURCE = (
    "Epoch AI, repository epoch-research/llm-benchmark-efficiency (snapshot 2025-03-13): "
    "data/aa_data_with_math5.csv and data/epoch_ai_price_data_not_in_aa_with_benchmarks.csv "
    "(prices and benchmark scores partly from Artificial Analysis)"
)
_EPOCH_PRICES_LICENCE = "CC BY 4.0 (Epoch AI)"
_EPOCH_PRICES_ATTRIBUTION = (
    "Data from Epoch AI's LLM inference price study (github.com/epoch-research/"
    "llm-benchmark-efficiency, March 2025), licensed CC BY; prices and benchmark scores "
    "partly from Artificial Analysis (artificialanalysis.ai)."
)

_LITELLM_LICENCE = "MIT License (BerriAI/litellm)"
_LITELLM_ATTRIBUTION = (
    "List prices from LiteLLM's model_prices_and_context_window.json "
    "(github.com/BerriAI/litellm, MIT License, (c) Berri AI)."
)

_ARENA_SOURCE = (
    "Chatbot Arena / LMArena text leaderboard history, 102 snapshots 2023-06-19 to "
    "2025-08-04, collected from fboulnois/llm-leaderboard-csv (csv/lmsys.csv and "
    "csv/lmarena_text.csv over its git history) and utterstep/chatbot-arena-leaderbord-vis "
    "(2023 leaderboard tables)"
)
_ARENA_LICENCE = (
    "Upstream leaderboard data Apache-2.0 / CC BY 4.0 (LMSYS / LMArena); collecting "
    "repositories MPL-2.0 and MIT"
)
_ARENA_ATTRIBUTION = (
    "Ratings from the LMSYS Chatbot Arena / LMArena text leaderboard (lmarena.ai), as "
    "archived by github.com/fboulnois/llm-leaderboard-csv and "
    "github.com/utterstep/chatbot-arena-leaderbord-vis."
)

_AIID_LICENCE = "CC BY-SA 4.0 (derived tables are shared under the same licence)"
_AIID_ATTRIBUTION = (
    "AI Incident Database (incidentdatabase.ai, Responsible AI Collaborative), "
    "CC BY-SA 4.0; exports as published in github.com/SylvesterDuah/"
    "The_Guardian_of_AI_Alignment (2025-02-11) and github.com/thecraigd/"
    "AI-Incident-Database-Dashboard (2025-03-28)."
)

_API_PRICES_COLUMNS: list[dict[str, Any]] = [
    {"name": "model", "kind": "str", "required": True,
     "doc": "model id as the provider names it (LiteLLM key without the provider prefix)"},
    {"name": "provider", "kind": "str", "required": True,
     "doc": "LiteLLM `litellm_provider` (e.g. openai, anthropic, gemini, together_ai)"},
    {"name": "input_per_mtok", "kind": "float", "required": True,
     "doc": "USD per 1M input tokens (input_cost_per_token * 1e6)"},
    {"name": "output_per_mtok", "kind": "float", "required": True,
     "doc": "USD per 1M output tokens (output_cost_per_token * 1e6)"},
    {"name": "blended_per_mtok", "kind": "float", "required": True,
     "doc": "USD per 1M tokens blended 3 input : 1 output, (3*in + out) / 4"},
    {"name": "open_weights", "kind": "int", "required": True,
     "doc": "1 if the model family publishes downloadable weights, else 0 (name-based rules)"},
    {"name": "family", "kind": "str", "required": True,
     "doc": "model family from the same name-based rules (gpt, o-series, claude, gemini, "
            "llama, qwen, deepseek, mistral, ...)"},
]

_API_PRICES_DERIVATION = (
    "Entries with mode == 'chat' of the LiteLLM price file. Kept providers: first-party "
    "APIs openai, anthropic, gemini, xai, mistral, deepseek, dashscope, moonshot, zai, "
    "minimax (all families) and open-model hosts together_ai, fireworks_ai, groq, deepinfra "
    "(open-weights families only). Host ids '<org>/<model>' are kept only for the "
    "developers' own organisations (meta-llama, mistralai, qwen, deepseek-ai, google, "
    "microsoft, moonshotai, zai-org, openai, nvidia, minimaxai). A row is kept only if its "
    "name matches a family rule in "
    "derive.py (FAMILY_RULES, which also sets open_weights; see SOURCES.md); names "
    "containing audio/realtime/tts/transcribe/search/image/embed/computer-use/robotics/"
    "guard/-live/lyria/ocr/container/customtools/draft/-exp are dropped as non-text, "
    "non-chat or experimental SKUs, as are fine-tunes ('ft:'), on the hosts packaging "
    "variants (-hf, -python, -long, -basic, -32k/-64k/-128k context variants) and base "
    "models (names with 'base', or X when X-instruct/X-chat/X-it is listed), moving "
    "aliases ('-latest', bare 'mistral-small'/'mistral-large') "
    "(except ChatGPT's '*chat-latest' models), rows with a missing or zero input or output "
    "price, and duplicate (provider, model) pairs (the key written as '<provider>/<model>' "
    "wins). Google is represented by the 'gemini' (AI Studio) provider only: LiteLLM's "
    "Vertex AI language-model entries mix per-character prices. Prices are copied "
    "verbatim, including any upstream mistakes."
)


def _col(name: str, kind: str, doc: str, required: bool = True) -> dict[str, Any]:
    return {"name": name, "kind": kind, "doc": doc, "required": required}


#: Metadata for every shipped table: file name, description, column schema
#: (``kind`` is one of ``str``, ``date``, ``month``, ``int``, ``Int`` (nullable
#: integer) and ``float``; ``required`` columns contain no missing values),
#: derivation, source, licence and attribution. ``derive.py`` writes SOURCES.md
#: from this dictionary.
TABLES: dict[str, dict[str, Any]] = {
    "prices_epoch": {
        "file": "prices_epoch.csv",
        "description": (
            "LLM API prices (blended 3:1 input:output, USD per 1M tokens) with dates and "
            "capability scores (MMLU, GPQA Diamond, Chatbot Arena Elo, HumanEval, MATH-500, MATH "
            "level 5) from Epoch AI's "
            "price study (price points 2021-2025)."
        ),
        "columns": [
            _col("model", "str", "model name as written by Epoch AI"),
            _col("release_date", "date",
                 "date of the price point: model release for the Artificial-Analysis rows; "
                 "for the 'not in AA' rows Epoch's date of the listed price (at or after "
                 "release, so a model can appear more than once with a later, lower price)"),
            _col("price_per_mtok", "float",
                 "USD per 1M tokens, blended 3 input : 1 output (Epoch's 'USD per 1M Tokens')"),
            _col("mmlu", "float", "MMLU score, percent (0-100)", required=False),
            _col("gpqa", "float", "GPQA Diamond score, percent (0-100)", required=False),
            _col("arena_elo", "float", "LMSys Chatbot Arena Elo as recorded by Epoch AI",
                 required=False),
            _col("humaneval", "float", "HumanEval score, percent (0-100)", required=False),
            _col("math500", "float", "MATH-500 score, percent (0-100)", required=False),
            _col("math5", "float", "MATH level-5 score, percent (0-100)", required=False),
            _col("open_weights", "Int",
                 "1 open weights, 0 closed, empty if the name rules cannot tell "
                 "(rules: FAMILY_RULES in derive.py)", required=False),
            _col("source", "str", "upstream file within epoch-research/llm-benchmark-efficiency"),
        ],
        "derivation": (
            "Rows of data/aa_data_with_math5.csv and "
            "data/epoch_ai_price_data_not_in_aa_with_benchmarks.csv concatenated; a model of the second file whose normalised name (lower case, "
            "alphanumerics only) also occurs in the first is dropped (AA file preferred). "
            "Rows are unique on (model, release_date) and sorted by release_date, model. "
            "epoch_eval_data_2025-03.csv (data/epoch_ai_eval_data.csv) was inspected but "
            "holds only token counts per (model, task) - no scores - so it cannot fill "
            "missing MMLU/GPQA values and is not used."
        ),
        "source": _EPOCH_PRICES_SOURCE,
        "licence": _EPOCH_PRICES_LICENCE,
        "attribution": _EPOCH_PRICES_ATTRIBUTION,
    },
    "api_prices_2026-07": {
        "file": "api_prices_2026-07.csv",
        "description": (
            "Current (2026-07-24) API list prices of well-known chat models from first-party "
            "providers and major open-model hosts; start a scenario from 'the price of "
            "model X today'."
        ),
        "columns": _API_PRICES_COLUMNS,
        "derivation": _API_PRICES_DERIVATION,
        "source": (
            "BerriAI/litellm model_prices_and_context_window.json, copy dated 2026-07-24 "
            "(last_updated 2026-07-24T18:23:43Z)"
        ),
        "licence": _LITELLM_LICENCE,
        "attribution": _LITELLM_ATTRIBUTION,
    },
    "api_prices_2025-02": {
        "file": "api_prices_2025-02.csv",
        "description": (
            "API list prices on 2025-02-06 of well-known chat models (same selection rules "
            "as api_prices_2026-07), for a second dated snapshot."
        ),
        "columns": _API_PRICES_COLUMNS,
        "derivation": _API_PRICES_DERIVATION,
        "source": "BerriAI/litellm model_prices_and_context_window.json, copy dated 2025-02-06",
        "licence": _LITELLM_LICENCE,
        "attribution": _LITELLM_ATTRIBUTION,
    },
    "flagship_prices": {
        "file": "flagship_prices.csv",
        "description": (
            "List price of each tier's flagship model over time (frontier and mid: one line per "
            "lab, OpenAI, Anthropic, Google; open: the best open-weights model, hosted): the "
            "history behind the tier list-price model (aicast.fit.list_price)."
        ),
        "columns": [
            _col("tier", "str", "frontier, mid or open"),
            _col("line", "str", "the lab (or 'best open-weights model, hosted') whose flagship this is"),
            _col("model", "str", "model name as the source writes it"),
            _col("date", "date", "from this date the model is the line's flagship at this price"),
            _col("date_basis", "str",
                 "how the date is known: 'release (Epoch)', 'date in model id', 'announced: <source>', "
                 "'listed by <snapshot date>' (undated: launched on or before), 'snapshot price' "
                 "(the flagship's price as listed in a later snapshot)"),
            _col("blended_per_mtok", "float", "USD per 1M tokens, blended 3 input : 1 output"),
            _col("source", "str", "table and snapshot the price comes from"),
        ],
        "derivation": (
            "Curated successions of flagship models per line (LINES in data/derive_flagship.py); "
            "prices from prices_epoch (Epoch AI) or from api_prices_2025-02 / api_prices_2026-07 "
            "(LiteLLM, first snapshot listing the id). Prices of LiteLLM rows are as listed in that "
            "snapshot, which can be after a price cut (o3 is listed at its cut price). Each line's "
            "flagship in each snapshot adds a 'snapshot price' row when its listed price differs."
        ),
        "source": _EPOCH_PRICES_SOURCE + "; BerriAI/litellm model_prices_and_context_window.json copies "
                  "dated 2025-02-06 and 2026-07-24",
        "licence": "CC BY 4.0 (Epoch AI rows); MIT License (LiteLLM rows)",
        "attribution": _EPOCH_PRICES_ATTRIBUTION + " " + _LITELLM_ATTRIBUTION,
    },
    "arena_best_snapshots": {
        "file": "arena_best_snapshots.csv",
        "description": (
            "Best closed-weights and best open-weights Chatbot Arena rating within each "
            "leaderboard snapshot (2023-06 to 2025-08) and the gap between them."
        ),
        "columns": [
            _col("snapshot", "date", "leaderboard snapshot date"),
            _col("best_closed", "float", "highest rating among open_weights == 0 models (Elo points)"),
            _col("best_closed_model", "str", "model with that rating"),
            _col("best_open", "float", "highest rating among open_weights == 1 models (Elo points)"),
            _col("best_open_model", "str", "model with that rating"),
            _col("gap", "float", "best_closed - best_open (Elo points)"),
            _col("gap_percent", "float", "100 * gap / best_closed (percent)"),
            _col("n_models", "int", "number of models in the snapshot"),
        ],
        "derivation": (
            "Exact duplicate (snapshot, model) rows are dropped. A model's open_weights flag "
            "is made consistent across snapshots by taking the label it has in most snapshots "
            "(ties: its latest label) - this fixes, e.g., Llama-4-Maverick-03-26-Experimental, "
            "an unreleased chat variant labelled open in one snapshot only. Maxima are taken "
            "within each snapshot because rating levels drift between snapshots (online Elo "
            "until late 2023, Bradley-Terry afterwards); ties go to the alphabetically first "
            "model."
        ),
        "source": _ARENA_SOURCE,
        "licence": _ARENA_LICENCE,
        "attribution": _ARENA_ATTRIBUTION,
    },
    "arena_best_monthly": {
        "file": "arena_best_monthly.csv",
        "description": (
            "Open vs closed Chatbot Arena frontier by calendar month: best closed and best "
            "open rating in the last leaderboard snapshot of each month, and the gap."
        ),
        "columns": [
            _col("month", "month", "calendar month, 'YYYY-MM'"),
            _col("snapshot", "date", "the last snapshot in that month, from which the row is taken"),
            _col("best_closed", "float", "highest rating among closed-weights models (Elo points)"),
            _col("best_closed_model", "str", "model with that rating"),
            _col("best_open", "float", "highest rating among open-weights models (Elo points)"),
            _col("best_open_model", "str", "model with that rating"),
            _col("gap", "float", "best_closed - best_open (Elo points)"),
            _col("gap_percent", "float", "100 * gap / best_closed (percent)"),
            _col("n_models", "int", "number of models in the snapshot"),
        ],
        "derivation": (
            "arena_best_snapshots restricted to the last snapshot of each calendar month. "
            "Months without a snapshot have no row (listed in SOURCES.md)."
        ),
        "source": _ARENA_SOURCE,
        "licence": _ARENA_LICENCE,
        "attribution": _ARENA_ATTRIBUTION,
    },
    "eci_best_monthly": {
        "file": "eci_best_monthly.csv",
        "description": (
            "Running best Epoch Capabilities Index (ECI) of closed (API / hosted) and of "
            "open-weights models by month of release."
        ),
        "columns": [
            _col("month", "month", "calendar month of release, 'YYYY-MM' (every month in range)"),
            _col("best_closed", "float",
                 "highest ECI among closed models released up to and including the month",
                 required=False),
            _col("best_closed_model", "str", "Epoch 'Model version' of that model", required=False),
            _col("best_open", "float",
                 "highest ECI among open-weights models released up to and including the month",
                 required=False),
            _col("best_open_model", "str", "Epoch 'Model version' of that model", required=False),
            _col("gap", "float", "best_closed - best_open (ECI points)", required=False),
        ],
        "derivation": (
            "Rows with an ECI score only. 'Model accessibility' mapping: 'Open weights "
            "(unrestricted)', 'Open weights (restricted use)' and 'Open weights "
            "(non-commercial)' -> open; 'API access' and 'Hosted access (no API)' -> closed; "
            "'Unreleased' -> excluded. For each group the cumulative maximum over release "
            "months is carried forward to every calendar month (a new model replaces the "
            "running best only if strictly higher; same-month ties go to the alphabetically "
            "first model version). Empty where a group has no model yet."
        ),
        "source": (
            "Epoch AI, Epoch Capabilities Index, repository epoch-research/benchmark-stitching "
            "(2025-11-07), data/website/epoch_capabilities_index.csv"
        ),
        "licence": "Data CC BY 4.0 (Epoch AI); repository MIT",
        "attribution": (
            "Epoch Capabilities Index by Epoch AI (epoch.ai, "
            "github.com/epoch-research/benchmark-stitching), CC BY."
        ),
    },
    "aiid_monthly": {
        "file": "aiid_monthly.csv",
        "description": (
            "AI Incident Database incident counts by month of the event date, in two "
            "exports six weeks apart (2025-02-11 and 2025-03-28)."
        ),
        "columns": [
            _col("month", "month", "calendar month of the incident date, 'YYYY-MM' (every month in range)"),
            _col("count_2025_02_11", "int", "incidents in the 2025-02-11 export"),
            _col("count_2025_03_28", "int", "incidents in the 2025-03-28 export"),
        ],
        "derivation": (
            "One incident per incident_id; month of the 'date' column (date of the event, not "
            "of the report). Every month from that of the first incident to 2025-03 is "
            "present, with 0 where there are none."
        ),
        "source": "AI Incident Database exports of 2025-02-11 and 2025-03-28 (incidents.csv)",
        "licence": _AIID_LICENCE,
        "attribution": _AIID_ATTRIBUTION,
    },
    "aiid_yearly": {
        "file": "aiid_yearly.csv",
        "description": (
            "AI Incident Database incident counts by year of the event date in the 2025-02-11 "
            "and 2025-03-28 exports; the difference shows reporting lag."
        ),
        "columns": [
            _col("year", "int", "calendar year of the incident date"),
            _col("count_2025_02_11", "int", "incidents in the 2025-02-11 export"),
            _col("count_2025_03_28", "int", "incidents in the 2025-03-28 export"),
        ],
        "derivation": "aiid_monthly summed by year; every year from the first incident's to 2025.",
        "source": "AI Incident Database exports of 2025-02-11 and 2025-03-28 (incidents.csv)",
        "licence": _AIID_LICENCE,
        "attribution": _AIID_ATTRIBUTION,
    },
    "aiid_domains_yearly": {
        "file": "aiid_domains_yearly.csv",
        "description": (
            "AI Incident Database incidents (2025-03-28 export) by year and MIT AI Risk "
            "Repository risk domain."
        ),
        "columns": [
            _col("year", "int", "calendar year of the incident date"),
            _col("domain", "str", "risk domain slug (mapping in derivation)"),
            _col("count", "int", "number of incidents"),
        ],
        "derivation": (
            "Incidents of the 2025-03-28 export left-joined on incident id to the 'MIT' "
            "namespace classifications (one per classified incident); incidents without a "
            "classification get 'unclassified'. Full grid: every year of aiid_yearly x every "
            "domain, 0 where none, so counts sum per year to aiid_yearly.count_2025_03_28. "
            "Slugs: {slugs}."
        ),
        "source": (
            "AI Incident Database export of 2025-03-28: incidents.csv and the MIT AI Risk "
            "Repository classifications (namespace 'MIT')"
        ),
        "licence": _AIID_LICENCE,
        "attribution": _AIID_ATTRIBUTION
        + " Risk domains: MIT AI Risk Repository taxonomy (airisk.mit.edu).",
    },
}

#: MIT AI Risk Repository domain names (as in the AIID export) -> slugs.
DOMAIN_SLUGS: dict[str, str] = {
    "1. Discrimination and Toxicity": "discrimination_toxicity",
    "2. Privacy & Security": "privacy_security",
    "3. Misinformation": "misinformation",
    "4. Malicious Actors & Misuse": "malicious_use",
    "5. Human-Computer Interaction": "human_computer_interaction",
    "6. Socioeconomic & Environmental Harms": "socioeconomic_environmental",
    "7. AI system safety, failures, and limitations": "ai_system_safety",
}
UNCLASSIFIED = "unclassified"

TABLES["aiid_domains_yearly"]["derivation"] = TABLES["aiid_domains_yearly"][
    "derivation"
].format(slugs="; ".join(f"'{k}' -> {v}" for k, v in DOMAIN_SLUGS.items())
         + f"; no classification -> {UNCLASSIFIED}")

_API_SNAPSHOTS = ("2026-07", "2025-02")
