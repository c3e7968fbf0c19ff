"""Plain-Chinese explanations the tracking page shows beside each state."""

from __future__ import annotations

STATE_HELP = {
    "received": "机关尚未确认收到您的申请。通过网络提交的申请，以双方确认之日为收到申请之日"
    "（第三十一条）；确认后机关会登记，答复期限从确认之日的次日起计算。",
    "registered": "机关已确认收到并登记了您的申请，正在安排审核。",
    "under_review": "机关正在审核您的申请内容是否明确、完整。",
    "awaiting_correction": "机关认为申请内容需要补正，请在补正期限内按下面列出的事项补正。"
    "逾期无正当理由不补正的，视为放弃申请（第三十条）。",
    "in_handling": "机关正在查找和审查您申请的信息。",
    "third_party_consultation": "您申请的信息可能涉及第三方的合法权益，机关正在书面征求第三方意见"
    "（第三十二条）。征求意见的时间不计入答复期限。",
    "secrecy_review": "机关正在对拟公开的信息进行保密审查。",
    "awaiting_fee_payment": "您申请公开信息的数量、频次明显超过合理范围，机关依法收取信息处理费"
    "（第四十二条）。请按收费通知缴费；自发出收费通知至收到费用期间不计入答复期限，"
    "逾期未缴费的视为放弃申请。",
    "reason_requested": "机关请您说明申请的理由（第三十五条）。",
    "reply_drafted": "机关已起草答复，正在审核签发。",
    "replied": "机关已作出答复，正在向您送达。",
    # Refusals need reconsideration first (Reconsideration Law Art. 23): the letter says which.
    "delivered": "答复已送达。对答复不服的，请按答复书告知的途径和期限申请行政复议或者提起"
    "行政诉讼（第五十一条）。",
    "archived": "办理完毕，案卷已归档。",
    "withdrawn": "您已撤回申请，机关不再处理。",
    "closed_no_correction": "因逾期未补正，视为放弃申请，机关不再处理（第三十条）。",
    "closed_fee_unpaid": "因逾期未缴纳信息处理费，视为放弃申请，机关不再处理。",
}
