"""How the applicant asks to receive the information (Art. 29: 形式 and 获取方式), which is also
how letters are served."""

from __future__ import annotations

from requests_service.domain.labelled import LabelledEnum

__all__ = ["DeliveryForm", "DeliveryMethod"]


class DeliveryForm(LabelledEnum):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子文档"
    ON_SITE = "on_site", "现场查阅"


class DeliveryMethod(LabelledEnum):
    POST = "post", "邮寄"
    EMAIL = "email", "电子邮件"
    PICKUP = "pickup", "自行领取"
    ONLINE = "online", "网上获取"
    FAX = "fax", "传真"
