/* Reference pages for applicants: a little progressive enhancement, no dependencies.
   Everything works without this file; it adds checks before sending, the applicant-type
   switch, a live search of already-published information, and double-submit protection. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* ---------------------------------------------------------------- checks mirroring the API */
  var RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var RESIDENT_CHECK = "10X98765432";
  var USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function fold(text) {  // full-width digits and letters typed with a Chinese IME, spaces
    return (text || "").replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/\s+/g, "");
  }

  function checkResident(value) {
    var n = fold(value).toUpperCase();
    if (/^\d{15}$/.test(n)) return "15位旧身份证号码已停止使用，请填写18位号码";
    if (n.length !== 18) return "身份证号码应为18位";
    if (!/^\d{17}[\dX]$/.test(n)) return "身份证号码前17位应为数字，最后一位为数字或X";
    var y = +n.slice(6, 10), m = +n.slice(10, 12), d = +n.slice(12, 14);
    var birth = new Date(y, m - 1, d);
    if (birth.getFullYear() !== y || birth.getMonth() !== m - 1 || birth.getDate() !== d ||
        y < 1900 || birth > new Date()) return "身份证号码中的出生日期不正确";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+n[i]) * RESIDENT_WEIGHTS[i];
    if (RESIDENT_CHECK[sum % 11] !== n[17]) return "身份证号码校验位不正确";
    return null;
  }

  function checkUscc(value) {
    var n = fold(value).toUpperCase();
    if (n.length !== 18) return "统一社会信用代码应为18位";
    var bad = n.split("").filter(function (c) { return USCC_ALPHABET.indexOf(c) < 0; });
    if (bad.length) return "统一社会信用代码含有不允许的字符：" + bad.join("、") + "（不使用I、O、Z、S、V）";
    if (!/^\d{6}$/.test(n.slice(2, 8))) return "统一社会信用代码第3至8位应为行政区划代码（6位数字）";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(n[i]) * USCC_WEIGHTS[i];
    if (USCC_ALPHABET[(31 - sum % 31) % 31] !== n[17]) return "统一社会信用代码校验位不正确";
    return null;
  }

  function checkId(type, value) {
    if (!fold(value)) return "请填写证件号码";
    if (type === "resident_id") return checkResident(value);
    if (type === "unified_social_credit_code") return checkUscc(value);
    var label = (($("#field-id_type option:checked") || {}).textContent || "证件").trim();
    if (!/^[A-Z0-9-]{5,30}$/.test(fold(value).toUpperCase())) return label + "号码应为5至30位字母、数字或连字符";
    return null;
  }

  function checkPhone(value) {
    var n = fold(value);
    if (n.indexOf("+86") === 0) n = n.slice(3).replace(/^-+/, "");
    if (/^1[3-9]\d{9}$/.test(n) || /^0\d{2,3}-?\d{7,8}(-\d{1,6})?$/.test(n)) return null;
    return "电话号码格式不正确：请填写11位手机号码或带区号的固定电话";
  }

  /* ---------------------------------------------------------------- showing errors */
  var LABELS = {
    applicant_type: "申请人类型", name: "姓名或者名称", organisation_type: "组织类型",
    id_type: "证件类型", id_number: "证件号码", contact: "联系方式", phone: "联系电话",
    email: "电子邮箱", postcode: "邮政编码", requested_information: "所需政府信息的描述",
    attachments: "附件"
  };

  function setError(form, name, message) {
    var holder = $('[data-error-for="' + name + '"]', form);
    var control = form.querySelector("#field-" + name) || form.querySelector('[name="' + name + '"]');
    if (holder) {
      holder.textContent = "";
      if (message) {
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = "错误：";
        holder.appendChild(hidden);
        holder.appendChild(document.createTextNode(message));
      }
      holder.hidden = !message;
    }
    $all('[name="' + name + '"]', form).concat(control ? [control] : []).forEach(function (el) {
      if (message) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
    });
  }

  function showSummary(form, problems) {
    var old = $("#error-summary");
    if (old) old.parentNode.removeChild(old);
    if (!problems.length) return;
    var box = document.createElement("div");
    box.className = "error-summary";
    box.id = "error-summary";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", "error-summary-title");
    var h = document.createElement("h2");
    h.id = "error-summary-title";
    h.textContent = "请修改以下问题后再提交";
    var ul = document.createElement("ul");
    problems.forEach(function (p) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#field-" + p[0];
      a.textContent = (LABELS[p[0]] || "") + "：" + p[1];
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(ul);
    form.parentNode.insertBefore(box, form);
    box.focus();
  }

  function value(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var el = form.querySelector('[name="' + name + '"]:not([type="radio"])');
    return el ? el.value.trim() : "";
  }

  function validateApplication(form) {
    var problems = [];
    function add(name, message) { problems.push([name, message]); }
    var type = value(form, "applicant_type");
    var legal = type === "legal_person";
    if (!value(form, "name")) add("name", legal ? "请填写申请人名称" : "请填写申请人姓名");
    if (legal && !value(form, "organisation_type")) add("organisation_type", "法人或其他组织应选择组织类型（年度报告按类型统计）");
    var idType = value(form, "id_type");
    if (legal && idType !== "unified_social_credit_code" && idType !== "other") add("id_type", "法人或其他组织应使用统一社会信用代码");
    if (!legal && idType === "unified_social_credit_code") add("id_type", "自然人不能使用“统一社会信用代码”作为身份证明");
    var idProblem = checkId(idType, value(form, "id_number"));
    if (idProblem) add("id_number", idProblem);
    var phone = value(form, "phone"), email = value(form, "email"), address = value(form, "address");
    if (!phone && !email && !address) add("contact", "请至少填写一种联系方式：电话、电子邮箱或通信地址（第二十九条）");
    if (phone && checkPhone(phone)) add("phone", checkPhone(phone));
    if (email && !/^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/.test(email)) add("email", "电子邮箱格式不正确");
    var postcode = fold(value(form, "postcode"));
    if (postcode && !/^\d{6}$/.test(postcode)) add("postcode", "邮政编码应为6位数字");
    var info = value(form, "requested_information");
    if (info.length < 2) add("requested_information", info ? "所需政府信息的描述过短，请写得具体一些" : "请填写所需政府信息的描述");
    var files = form.querySelector('[name="attachments"]');
    if (files && files.files && files.files.length > 5) add("attachments", "最多上传5个文件。");
    return problems;
  }

  /* ---------------------------------------------------------------- the application form */
  function applicantType(form) {
    var legal = value(form, "applicant_type") === "legal_person";
    $all("[data-for-type]", form).forEach(function (el) {
      el.hidden = el.getAttribute("data-for-type") !== (legal ? "legal_person" : "natural_person");
    });
    $all("[data-label-natural]", form).forEach(function (el) { el.hidden = legal; });
    $all("[data-label-legal]", form).forEach(function (el) { el.hidden = !legal; });
    var select = $("#field-id_type", form);
    var kind = legal ? "legal_person" : "natural_person";
    $all("option", select).forEach(function (option) {
      var ok = (option.getAttribute("data-kinds") || "").split(" ").indexOf(kind) >= 0;
      option.hidden = !ok;
      option.disabled = !ok;
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
      select.value = legal ? "unified_social_credit_code" : "resident_id";
    }
  }

  var PENDING = "rs-apply-pending:";

  function setupApplication(form) {
    $all('[name="applicant_type"]', form).forEach(function (radio) {
      radio.addEventListener("change", function () { applicantType(form); });
    });
    applicantType(form);

    // Idempotency: the key rendered with this form is reused when the same form is sent
    // again (double click, reload, back and resend), so the server never makes two cases.
    var keyInput = form.querySelector('[name="idempotency_key"]');
    var storeKey = PENDING + form.action;
    try {
      if (form.hasAttribute("data-key-fresh")) window.sessionStorage.removeItem(storeKey);
      var pending = window.sessionStorage.getItem(storeKey);
      if (pending) keyInput.value = pending;
    } catch (e) { /* storage may be disabled: the rendered key still protects a resend */ }

    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      var problems = form.getAttribute("data-client-validation") === "off" ? [] : validateApplication(form);
      ["applicant_type", "name", "organisation_type", "id_type", "id_number", "contact", "phone",
       "email", "postcode", "requested_information", "attachments"].forEach(function (name) {
        var found = problems.filter(function (p) { return p[0] === name; })[0];
        setError(form, name, found ? found[1] : null);
      });
      if (problems.length) {
        event.preventDefault();
        showSummary(form, problems);
        return;
      }
      sending = true;
      try { window.sessionStorage.setItem(storeKey, keyInput.value); } catch (e) { /* ignore */ }
      var button = $("#submit-application", form);
      if (button) { button.disabled = true; button.textContent = "正在提交…"; }
      // The disabled button is not sent; nothing else depends on it.
    });
    window.addEventListener("pageshow", function () {
      sending = false;
      var button = $("#submit-application", form);
      if (button) { button.disabled = false; button.textContent = "提交申请"; }
    });

    setupCatalogue(form);
  }

  /* ---------------------------------------------------------------- already published? */
  function setupCatalogue(form) {
    var box = $("#published");
    var text = $("#field-requested_information", form);
    if (!box || !text || !window.fetch) return;
    var url = form.getAttribute("data-catalogue-url");
    var agency = box.getAttribute("data-agency-id");
    var timer = null, last = "";
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = text.value.trim();
        if (q.length < 4 || q === last) return;
        last = q;
        fetch(url + "?agency_id=" + encodeURIComponent(agency) + "&q=" + encodeURIComponent(q.slice(0, 2000)))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) { renderPublished(box, items); })
          .catch(function () { /* the search is a help, not a step */ });
      }, 500);
    });
  }

  function renderPublished(box, items) {
    box.textContent = "";
    if (!items.length) return;
    var h = document.createElement("h3");
    h.textContent = "这些信息已经公开";
    var ul = document.createElement("ul");
    ul.className = "published-list";
    items.slice(0, 5).forEach(function (item) {
      var li = document.createElement("li");
      var location = item.location || "";
      if (/^(https?:\/\/|\/)/.test(location)) {
        var a = document.createElement("a");
        a.href = location;
        a.textContent = item.title;
        li.appendChild(a);
      } else {
        var strong = document.createElement("strong");
        strong.textContent = item.title;
        li.appendChild(strong);
        li.appendChild(document.createTextNode(" 查阅：" + location));
      }
      ul.appendChild(li);
    });
    var p = document.createElement("p");
    p.textContent = "如果以上信息不是您要的，请继续填写申请。";
    box.appendChild(h);
    box.appendChild(ul);
    box.appendChild(p);
  }

  /* ---------------------------------------------------------------- other pages */
  function setup() {
    var form = $("#application-form");
    if (form) setupApplication(form);
    if ($("[data-confirmation]")) {
      // The application was accepted: a new form gets a new key.
      try {
        Object.keys(window.sessionStorage).forEach(function (k) {
          if (k.indexOf(PENDING) === 0) window.sessionStorage.removeItem(k);
        });
      } catch (e) { /* ignore */ }
    }
    $all("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    $all("form").forEach(function (f) {
      if (f.id === "application-form" || f.method.toLowerCase() !== "post" || f.hasAttribute("data-download")) return;
      f.addEventListener("submit", function () {
        var b = f.querySelector('button[type="submit"]');
        if (b) setTimeout(function () { b.disabled = true; }, 0);
      });
    });
    var summary = $("#error-summary");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
