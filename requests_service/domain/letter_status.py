"""Where a letter stands: drafted, approved, being issued (numbered and rendered), issued."""

from __future__ import annotations

from requests_service.domain.labelled import LabelledEnum

__all__ = ["LetterStatus"]


class LetterStatus(LabelledEnum):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已审核，待签发"
    ISSUING = "issuing", "签发中（正在生成PDF）"
    ISSUED = "issued", "已签发"
