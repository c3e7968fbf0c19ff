"""End to end in headless Chromium: apply, see the errors, track, correct, download a letter,
pay attention to a fee notice, withdraw. Every page is checked with axe-core (no serious or
critical violations) and photographed at phone (375px) and desktop (1280px) width into
``var/screenshots/`` for a person to look at."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from requests_service.db.models import PublishedItem
from tests.browser.conftest import AXE, SCREENSHOTS
from tests.factories import World, resident_id
from tests.helpers import act, ok

pytestmark = pytest.mark.commits

PDF = b"%PDF-1.4\n% browser test\n%%EOF\n"
WIDTHS = (375, 1280)


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
           .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                 help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))}))
           .catch(e => done({error: String(e)}));
        """
    )
    assert "error" not in result, result
    return list(result["violations"])


def check_page(driver: Any, name: str, seen: dict[str, list[str]]) -> None:
    """axe at both widths (0 serious/critical), and a full-page screenshot at each."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        driver.set_window_size(width, 900)
        time.sleep(0.2)
        violations = axe_violations(driver)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name} at {width}px: {bad}"
        seen[f"{name}-{width}"] = [f"{v['impact']}:{v['id']}" for v in violations]
        height = driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
        )
        driver.set_window_size(width, min(max(int(height) + 40, 600), 12000))
        driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
    driver.set_window_size(1280, 900)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"{name}: horizontal scrolling at 1280px"


def phone_has_no_horizontal_scroll(driver: Any) -> bool:
    driver.set_window_size(375, 900)
    time.sleep(0.2)
    wide = driver.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    driver.set_window_size(1280, 900)
    return not wide


def wait(driver: Any, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def text_of(driver: Any, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def fill(driver: Any, field: str, value: str) -> None:
    element = driver.find_element(By.ID, f"field-{field}")
    element.clear()
    element.send_keys(value)


def cases(app: Any, world: World) -> list[dict[str, Any]]:
    client = app.test_client()
    return list(client.get("/cases", headers=world.auth("registrar")).json)


def publish(app: Any, agency_id: int) -> None:
    from datetime import date

    session = app.extensions["db_session_factory"]()
    session.add(
        PublishedItem(
            agency_id=agency_id,
            title="2025年示范区老旧小区改造项目清单",
            location="https://www.example.gov.cn/gk/2025/lgx.html",
            category="城乡建设",
            published_on=date(2026, 1, 5),
        )
    )
    session.commit()
    session.close()


def test_apply_track_correct_and_download(
    browser: Any, live_server: str, app: Any, live_world: World, tmp_path: Path
) -> None:
    driver, world = browser, live_world
    seen: dict[str, list[str]] = {}
    publish(app, world.agencies["A"])

    # / leads to the agency list.
    driver.get(live_server + "/")
    assert driver.current_url.endswith("/apply")
    assert "测试机关A" in driver.page_source and "工作日9:00-17:00" in driver.page_source
    check_page(driver, "01-agencies", seen)

    driver.find_element(By.LINK_TEXT, "测试机关A").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "application-form")))
    # Typing the description searches what is already published (public catalogue API).
    fill(driver, "requested_information", "老旧小区改造项目清单")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "published"), "这些信息已经公开"))
    link = driver.find_element(By.CSS_SELECTOR, "#published a")
    assert link.get_attribute("href") == "https://www.example.gov.cn/gk/2025/lgx.html"
    check_page(driver, "02-apply-form", seen)

    # A bad ID number: the check in the page stops it next to the field.
    good_id = resident_id(7)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    fill(driver, "name", "张三")
    fill(driver, "id_number", bad_id)
    fill(driver, "phone", "13800138000")
    fill(driver, "requested_information", "请公开2025年示范区老旧小区改造项目清单及资金安排")
    driver.find_element(By.ID, "submit-application").click()
    wait(driver).until(EC.visibility_of_element_located((By.ID, "id_number-error")))
    assert "校验位不正确" in text_of(driver, "#id_number-error")
    assert "校验位不正确" in text_of(driver, "#error-summary")
    assert driver.switch_to.active_element.get_attribute("id") == "error-summary"
    assert driver.find_element(By.ID, "field-id_number").get_attribute("aria-invalid") == "true"
    check_page(driver, "03-apply-client-errors", seen)
    assert cases(app, world) == []

    # The same mistake reaching the server (checks in the page off): shown next to the field.
    driver.execute_script(
        "document.getElementById('application-form').setAttribute('data-client-validation', 'off')"
    )
    fill(driver, "phone", "")
    driver.find_element(By.ID, "submit-application").click()
    wait(driver).until(EC.title_contains("有错误"))
    assert "校验位不正确" in text_of(driver, "#id_number-error")
    assert "至少填写一种联系方式" in text_of(driver, "#contact-error")
    summary = text_of(driver, "#error-summary")
    assert "证件号码" in summary and "联系方式" in summary
    assert driver.switch_to.active_element.get_attribute("id") == "error-summary"
    driver.find_element(By.CSS_SELECTOR, '#error-summary a[href="#field-id_number"]').click()
    check_page(driver, "04-apply-server-errors", seen)
    assert cases(app, world) == []

    # Fix it, attach proof of identity, and double-click "submit".
    fill(driver, "id_number", good_id)
    fill(driver, "phone", "13800138000")
    driver.find_element(By.ID, "delivery_method-email").click()
    fill(driver, "email", "zhangsan@example.com")
    proof = tmp_path / "身份证复印件.pdf"
    proof.write_bytes(PDF)
    driver.find_element(By.ID, "field-attachments").send_keys(str(proof))
    button = driver.find_element(By.ID, "submit-application")
    ActionChains(driver).double_click(button).perform()
    wait(driver).until(EC.presence_of_element_located((By.ID, "tracking-secret")))
    code = text_of(driver, "#tracking-code")
    secret = text_of(driver, "#tracking-secret")
    assert code.startswith("YS") and len(secret) == 10
    assert "只在这个页面显示一次" in driver.page_source
    assert "身份证复印件.pdf" in driver.page_source
    assert driver.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
    check_page(driver, "05-confirmation", seen)
    # The printable acknowledgement: no navigation or buttons on paper, a note instead.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element(By.CSS_SELECTOR, ".site-header").is_displayed()
        assert not driver.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, ".receipt .print-only").is_displayed()
        assert driver.find_element(By.ID, "tracking-secret").is_displayed()
        driver.save_screenshot(str(SCREENSHOTS / "05-confirmation-print.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert len(cases(app, world)) == 1

    # Reloading the confirmation re-sends the same form with the same key: no second case.
    driver.refresh()
    wait(driver).until(EC.presence_of_element_located((By.ID, "tracking-secret")))
    assert text_of(driver, "#tracking-code") == code
    assert "没有重复提交" in driver.page_source
    assert len(cases(app, world)) == 1

    # The agency registers the case, asks for a correction and issues the notice.
    client = app.test_client()
    case_id = cases(app, world)[0]["id"]
    ok(act(client, world, "registrar", case_id, "register"))
    ok(act(client, world, "handler", case_id, "start_review"))
    ok(
        act(
            client,
            world,
            "handler",
            case_id,
            "request_correction",
            correction_items=["请写明所需资金安排的年份和项目名称"],
        )
    )
    letter = client.post(
        f"/cases/{case_id}/letters",
        json={"kind": "correction_notice"},
        headers=world.auth("handler"),
    ).json
    base = f"/cases/{case_id}/letters/{letter['id']}"
    assert client.post(f"{base}/approval", headers=world.auth("approver")).status_code == 200
    assert client.post(f"{base}/issue", headers=world.auth("handler")).status_code == 200

    # Tracking: a wrong secret first, then the right one.
    driver.find_element(By.LINK_TEXT, "查询进度").click()
    fill(driver, "code", code)
    fill(driver, "secret", "WRONGWRONG")
    driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "error-summary")))
    assert "查询码或查询密码不正确" in text_of(driver, "#error-summary")
    check_page(driver, "06-track-login-error", seen)
    fill(driver, "code", code.lower())  # codes are not case-sensitive
    fill(driver, "secret", secret)
    driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "state-title")))
    assert text_of(driver, "#state-title") == "待补正"
    assert "请写明所需资金安排的年份和项目名称" in text_of(driver, "#correction")
    assert "机关请您补正申请内容" in driver.page_source
    assert secret not in driver.current_url
    check_page(driver, "07-tracking-awaiting-correction", seen)

    # Download the correction notice.
    # (Clicked from script: chromedriver's click would wait for a page that a download
    # never brings.)
    download = driver.find_element(By.CSS_SELECTOR, ".letters button[type=submit]")
    assert "补正告知书" in download.get_attribute("textContent")
    driver.execute_script("arguments[0].click()", download)
    downloads: Path = driver.download_dir
    deadline = time.time() + 20
    pdfs: list[Path] = []
    while time.time() < deadline:
        pdfs = [p for p in downloads.iterdir() if p.suffix == ".pdf"]
        if pdfs and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert pdfs, "the letter was not downloaded"
    assert pdfs[0].read_bytes().startswith(b"%PDF")

    # Submit the correction with a file.
    fill(
        driver,
        "corrected_information",
        "请公开2025年示范区老旧小区改造项目清单及其2025年度资金安排",
    )
    material = tmp_path / "补正说明.pdf"
    material.write_bytes(PDF + b"% correction\n")
    driver.find_element(By.ID, "field-attachments").send_keys(str(material))
    driver.find_element(By.CSS_SELECTOR, "#correction-form button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "action-message")))
    assert "补正已提交" in text_of(driver, "#action-message")
    assert text_of(driver, "#state-title") == "办理中"
    assert "补正说明.pdf" in driver.page_source
    assert "答复期限重新计算" in driver.page_source
    assert "前答复" in text_of(driver, "#due-on")
    check_page(driver, "08-tracking-after-correction", seen)
    handled = app.test_client().get(f"/cases/{case_id}", headers=world.auth("handler")).json
    assert handled["state"] == "in_handling"
    print("axe (non-serious) findings:", seen)


def test_fee_notice_pause_and_withdrawal(
    browser: Any, live_server: str, app: Any, live_world: World
) -> None:
    driver, world = browser, live_world
    seen: dict[str, list[str]] = {}
    client = app.test_client()
    submitted = client.post(
        "/public/applications",
        json={
            "agency_id": world.agencies["A"],
            "applicant": {
                "applicant_type": "natural_person",
                "name": "李四",
                "id_type": "resident_id",
                "id_number": resident_id(9),
                "email": "lisi@example.com",
            },
            "requested_information": "请公开2020年至2025年全部建设工程规划许可证及附图",
        },
        headers={"Idempotency-Key": "browser-fee-1"},
    ).json
    code, secret = submitted["tracking_code"], submitted["tracking_secret"]
    case_id = cases(app, world)[0]["id"]
    ok(act(client, world, "registrar", case_id, "register"))
    ok(act(client, world, "handler", case_id, "start_review"))
    ok(act(client, world, "handler", case_id, "accept"))
    proposal = client.post(
        f"/cases/{case_id}/fees/proposal",
        json={"method": "per_piece", "units": 11},
        headers=world.auth("handler"),
    )
    assert proposal.status_code == 201, proposal.json
    ok(act(client, world, "approver", case_id, "issue_fee_notice"))

    driver.get(live_server + "/apply/track")
    check_page(driver, "09-track-login", seen)
    fill(driver, "code", code)
    fill(driver, "secret", secret)
    driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "state-title")))
    assert text_of(driver, "#state-title") == "待缴费"
    assert "暂停" in text_of(driver, "#pause-reason")
    assert "人民币 100.00 元" in driver.page_source
    assert "如何缴费" in driver.page_source
    check_page(driver, "10-tracking-fee-notice", seen)

    # Withdraw: open the disclosure with the keyboard, give a reason, confirm.
    summary = driver.find_element(By.CSS_SELECTOR, ".withdraw summary")
    summary.send_keys(" ")
    wait(driver).until(EC.visibility_of_element_located((By.ID, "field-reason")))
    fill(driver, "reason", "已通过其他途径获得")
    driver.find_element(By.CSS_SELECTOR, "#withdraw-form button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "action-message")))
    assert text_of(driver, "#state-title") == "申请人已撤回"
    assert "您撤回了申请" in driver.page_source
    assert not driver.find_elements(By.ID, "withdraw-form")
    assert "答复结果" not in driver.page_source  # a withdrawal is no answer (its row is 其他)
    assert "缴费期限" not in driver.page_source  # the fee notice lapsed with the application
    check_page(driver, "11-tracking-withdrawn", seen)
    assert phone_has_no_horizontal_scroll(driver)
    state = client.get(f"/cases/{case_id}", headers=world.auth("handler")).json["state"]
    assert state == "withdrawn"


def test_legal_person_fields_follow_the_applicant_type(
    browser: Any, live_server: str, live_world: World
) -> None:
    driver, world = browser, live_world
    seen: dict[str, list[str]] = {}
    driver.get(f"{live_server}/apply/{world.agencies['A']}")
    # A form sent without an answer (connection lost) keeps its key when the page is reloaded,
    # so sending it again replays instead of making a second case.
    key = "input[name=idempotency_key]"
    rendered = driver.find_element(By.CSS_SELECTOR, key).get_attribute("value")
    assert len(rendered) == 32
    driver.execute_script(
        "sessionStorage.setItem('rs-apply-pending:' + document.forms['application-form'].action,"
        " arguments[0])",
        rendered,
    )
    driver.refresh()
    assert driver.find_element(By.CSS_SELECTOR, key).get_attribute("value") == rendered
    driver.execute_script("sessionStorage.clear()")
    driver.refresh()
    assert driver.find_element(By.CSS_SELECTOR, key).get_attribute("value") != rendered
    organisation = driver.find_element(By.ID, "field-organisation_type")
    assert not organisation.is_displayed()
    driver.find_element(By.ID, "applicant_type-legal_person").click()
    assert organisation.is_displayed()
    assert (
        Select(driver.find_element(By.ID, "field-id_type")).first_selected_option.get_attribute(
            "value"
        )
        == "unified_social_credit_code"
    )
    fill(driver, "name", "示范科技有限公司")
    fill(driver, "id_number", "91110000000000001X")
    fill(driver, "phone", "010-88886666")
    fill(driver, "requested_information", "请公开本公司2025年度行政处罚决定书")
    driver.find_element(By.ID, "submit-application").click()
    wait(driver).until(EC.visibility_of_element_located((By.ID, "organisation_type-error")))
    assert "组织类型" in text_of(driver, "#organisation_type-error")
    check_page(driver, "12-apply-legal-person-errors", seen)
