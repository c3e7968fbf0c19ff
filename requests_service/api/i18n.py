"""Simplified Chinese validation messages: officers and applicants read these errors.

marshmallow keeps its default messages on the field and validator classes; setting them once
here makes every schema answer in Chinese without repeating ``error_messages`` everywhere.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

_FIELD_MESSAGES: dict[type[fields.Field[Any]], dict[str, str]] = {
    fields.Field: {
        "required": "此项为必填项。",
        "null": "此项不能为空值。",
        "validator_failed": "取值无效。",
    },
    fields.Raw: {},
    fields.Nested: {"type": "格式无效，应为对象。"},
    fields.List: {"invalid": "格式无效，应为列表。"},
    fields.String: {"invalid": "格式无效，应为字符串。", "invalid_utf8": "不是有效的UTF-8字符串。"},
    fields.Number: {"invalid": "格式无效，应为数字。", "too_large": "数值过大。"},
    fields.Integer: {"invalid": "格式无效，应为整数。"},
    fields.Decimal: {"special": "不允许NaN或无穷大。"},
    fields.Boolean: {"invalid": "格式无效，应为布尔值。"},
    fields.DateTime: {
        "invalid": "日期时间格式无效，应为ISO 8601格式（如2026-03-02T10:00:00+08:00）。",
        "invalid_awareness": "日期时间必须带时区（如+08:00）。",
        "format": "“{input}”无法格式化为日期时间。",
    },
    fields.AwareDateTime: {"invalid_awareness": "日期时间必须带时区（如+08:00）。"},
    fields.Date: {
        "invalid": "日期格式无效，应为YYYY-MM-DD。",
        "format": "“{input}”无法格式化为日期。",
    },
    fields.Email: {"invalid": "电子邮箱地址格式无效。"},
    fields.URL: {"invalid": "网址格式无效。"},
    fields.Dict: {"invalid": "格式无效，应为对象。"},
    fields.Enum: {"unknown": "取值无效，可选值：{choices}。"},
}


def install() -> None:
    for field_cls, messages in _FIELD_MESSAGES.items():
        merged = dict(getattr(field_cls, "default_error_messages", {}))
        merged.update(messages)
        field_cls.default_error_messages = merged
    validate.Length.message_min = "长度不能少于{min}。"
    validate.Length.message_max = "长度不能超过{max}。"
    validate.Length.message_all = "长度应在{min}到{max}之间。"
    validate.Length.message_equal = "长度应为{equal}。"
    validate.OneOf.default_message = "取值无效，可选值：{choices}。"
    # Range formats these twice: first {min_op}/{max_op}, then the doubled-brace bounds.
    validate.Range.message_min = "应{min_op}{{min}}。"
    validate.Range.message_max = "应{max_op}{{max}}。"
    validate.Range.message_all = "应{min_op}{{min}}且{max_op}{{max}}。"
    validate.Range.message_gte = "大于或等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于或等于"
    validate.Range.message_lt = "小于"
    validate.Regexp.default_message = "格式无效。"
    validate.Email.default_message = "电子邮箱地址格式无效。"
    validate.URL.default_message = "网址格式无效。"


install()
