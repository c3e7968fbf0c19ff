"""Similar-request detection: normalise, score and cluster short Chinese request texts.

Several applicants asking one agency for the same information may make it a candidate for
proactive disclosure (《中华人民共和国政府信息公开条例》第四十四条); one applicant filing
clearly excessive numbers of applications may be asked for reasons (第三十五条).  This package
is the pure part of both: it never touches the database.

Seams, in pipeline order:

* :mod:`.normalise` — canonical text: boilerplate, citations, numerals, abbreviations and
  document-type synonyms; clauses, with the applicant's story marked;
* :mod:`.lsh` — MinHash signatures and band keys (candidate search, shared through the DB);
* :mod:`.features` — identifying slots (document kind, year, ordinal, level, place, named
  entity, facet, object) and weighted content grams;
* :mod:`.scoring` — vetoes on disagreeing slots, cosine of content, explanations;
* :mod:`.clustering` — the intake rule (:func:`assign`) and :func:`cluster`, the same in batch;
* :mod:`.surge` — volume signals (Art. 44 surges, Art. 35 excessive volume);
* :mod:`.evaluation` — pair precision/recall/F1 and near-miss merges on labelled sets.
"""

from requests_service.domain.similarity.clustering import (
    MAX_CANDIDATES,
    PER_KEY,
    PER_TOPIC,
    STAR,
    Assignment,
    Topic,
    assign,
    best_match,
    candidates_for,
    cluster,
)
from requests_service.domain.similarity.features import (
    DOCUMENT_KINDS,
    STORY_WEIGHT,
    Features,
    features_of,
    merge_slots,
    slot_keys,
    slots_from_json,
    slots_to_json,
)
from requests_service.domain.similarity.lsh import (
    BANDS,
    DEFAULT_TOKENIZER,
    NUM_PERM,
    ROWS,
    SEED,
    SHINGLE_K,
    Tokenizer,
    band_keys,
    shingles,
    signature,
    signatures,
)
from requests_service.domain.similarity.normalise import (
    BOILERPLATE,
    MAX_TEXT_CHARS,
    SYNONYMS,
    clauses,
    normalise,
)
from requests_service.domain.similarity.scoring import (
    SAME_TOPIC_THRESHOLD,
    VETO_LABELS,
    explain,
    is_same_topic,
    score,
    shared_elements,
    similarity,
    veto,
)
from requests_service.domain.similarity.surge import (
    EXCESSIVE_PER_30_DAYS,
    EXCESSIVE_PER_365_DAYS,
    ExcessiveResult,
    SurgeResult,
    excessive,
    surge,
)

__all__ = [
    "BANDS",
    "BOILERPLATE",
    "DEFAULT_TOKENIZER",
    "DOCUMENT_KINDS",
    "EXCESSIVE_PER_30_DAYS",
    "EXCESSIVE_PER_365_DAYS",
    "MAX_CANDIDATES",
    "MAX_TEXT_CHARS",
    "NUM_PERM",
    "PER_KEY",
    "PER_TOPIC",
    "ROWS",
    "SAME_TOPIC_THRESHOLD",
    "SEED",
    "SHINGLE_K",
    "STAR",
    "STORY_WEIGHT",
    "SYNONYMS",
    "VETO_LABELS",
    "Assignment",
    "ExcessiveResult",
    "Features",
    "SurgeResult",
    "Tokenizer",
    "Topic",
    "assign",
    "band_keys",
    "best_match",
    "candidates_for",
    "clauses",
    "cluster",
    "excessive",
    "explain",
    "features_of",
    "is_same_topic",
    "merge_slots",
    "normalise",
    "score",
    "shared_elements",
    "shingles",
    "signature",
    "signatures",
    "similarity",
    "slot_keys",
    "slots_from_json",
    "slots_to_json",
    "surge",
    "veto",
]
