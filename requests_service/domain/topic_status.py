"""Where a topic (requests for the same information, Art. 44) stands."""

from __future__ import annotations

from requests_service.domain.labelled import LabelledEnum

__all__ = ["TopicStatus"]


class TopicStatus(LabelledEnum):
    OPEN = "open", "跟踪中"
    # Enough applicants asked for it: the agency should consider proactive disclosure.
    CANDIDATE = "candidate", "建议转为主动公开"
    CONVERTED = "converted", "已转为主动公开"
    DECLINED = "declined", "决定不转为主动公开"
    MERGED = "merged", "已并入其他主题"
