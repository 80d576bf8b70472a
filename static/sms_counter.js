/* Progressive enhancement of the SMS text editor: the size as you type, counted as the server
   counts it (CP949 bytes: ASCII one, every other character CP949 carries two; the ranges and the
   stand-ins come from the server, /campaigns/sms-rules.json), and every character that cannot go
   by SMS named with a button offering its stand-in. Nothing is replaced unless the writer asks.
   Without script the server measures the text when the form is sent. */
(function () {
  "use strict";

  function Rules(data) {
    this.data = data;
  }

  Rules.prototype.sendable = function (code) {
    var ranges = this.data.ranges;
    var low = 0;
    var high = ranges.length / 2 - 1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (code < ranges[2 * middle]) { high = middle - 1; }
      else if (code > ranges[2 * middle + 1]) { low = middle + 1; }
      else { return true; }
    }
    return false;
  };

  Rules.prototype.allSendable = function (text) {
    var self = this;
    return Array.from(text).every(function (c) { return self.sendable(c.codePointAt(0)); });
  };

  /* The same steps as sms_text.replacement_for: the table, nothing for a pictograph, the
     compatibility form, the letter without its accents; null when there is no stand-in. */
  Rules.prototype.replacementFor = function (char) {
    var table = this.data.replacements;
    if (Object.prototype.hasOwnProperty.call(table, char)) { return table[char]; }
    var code = char.codePointAt(0);
    var removed = this.data.removed_ranges.some(function (r) { return r[0] <= code && code <= r[1]; });
    if (removed) { return ""; }
    var forms = ["NFKC", "NFKD"];
    for (var i = 0; i < forms.length; i += 1) {
      var candidate = char.normalize(forms[i]);
      if (forms[i] === "NFKD") { candidate = candidate.replace(/\p{M}/gu, ""); }
      if (candidate && candidate !== char && this.allSendable(candidate)) { return candidate; }
    }
    return null;
  };

  Rules.prototype.byteLength = function (text) {
    var size = 0;
    var chars = Array.from(text);
    for (var i = 0; i < chars.length; i += 1) {
      var code = chars[i].codePointAt(0);
      if (!this.sendable(code)) { return null; }
      size += code <= this.data.ascii_end ? 1 : 2;
    }
    return size;
  };

  Rules.prototype.unsendable = function (text) {
    var self = this;
    var found = [];
    Array.from(text).forEach(function (char, index) {
      if (!self.sendable(char.codePointAt(0))) {
        found.push({ position: index + 1, char: char, replacement: self.replacementFor(char) });
      }
    });
    return found;
  };

  /* sms_text.measure: "sms" up to 90 bytes without a subject, "lms" up to 2,000 with a subject
     of up to 40, else "refused". */
  Rules.prototype.measure = function (text, subject) {
    subject = subject || "";
    var size = this.byteLength(text);
    var subjectSize = this.byteLength(subject);
    var type = "lms";
    var d = this.data;
    if (size === null || subjectSize === null || size > d.lms_max || subjectSize > d.subject_max || !text) {
      type = "refused";
    } else if (size <= d.sms_max && !subject) {
      type = "sms";
    }
    return { bytes: size, type: type, unsendable: this.unsendable(text), subjectBytes: subjectSize };
  };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function codeOf(char) {
    return "U+" + char.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  }

  function Editor(root, rules) {
    this.root = root;
    this.rules = rules;
    this.body = document.getElementById(root.getAttribute("data-sms-body"));
    this.subject = document.getElementById(root.getAttribute("data-sms-subject"));
    this.sample = JSON.parse(root.getAttribute("data-sms-sample"));
    this.status = root.querySelector(".sms-count");
    this.problems = root.querySelector(".sms-unsendable");
    this.words = root.dataset;
  }

  /* The text a recipient with the sample values would get, as campaigns.texting builds it. */
  Editor.prototype.sent = function () {
    var values = this.sample.values;
    var text = this.body.value.replace(/\r\n/g, "\n").replace(/\{\{\s*(\w+)\s*\}\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    }).trim();
    var kind = document.querySelector("input[name='kind']:checked");
    var promotional = kind ? kind.value === "promotional" : this.sample.promotional;
    if (promotional) { text = this.sample.advertising + "\n" + text; }
    return text + this.sample.suffix;
  };

  /* Counted only while the text goes by SMS: the way of sending chosen on the page. */
  Editor.prototype.texting = function () {
    var way = document.querySelector("input[name='channel']:checked, input[name='delivery']:checked");
    return !way || way.value !== "email";
  };

  Editor.prototype.update = function () {
    if (!this.texting()) {
      this.status.hidden = true;
      this.problems.hidden = true;
      return;
    }
    var measured = this.rules.measure(this.sent());
    var subjectText = this.subject ? this.subject.value.trim() : "";
    var typed = this.rules.unsendable(this.body.value);
    var words = this.words;
    var message;
    if (typed.length) {
      message = fill(words.msgUnsendable, { n: typed.length });
    } else if (measured.bytes !== null && measured.bytes > this.rules.data.lms_max) {
      message = fill(words.msgTooLong, { bytes: measured.bytes.toLocaleString("ko-KR") });
    } else if (measured.bytes !== null) {
      var lms = measured.type === "lms" || measured.bytes > this.rules.data.sms_max;
      var subjectBytes = lms ? this.rules.byteLength(subjectText) : 0;
      message = fill(lms ? words.msgLms : words.msgSms, { bytes: measured.bytes.toLocaleString("ko-KR") });
      if (subjectBytes !== null && subjectBytes > this.rules.data.subject_max) {
        message += " " + fill(words.msgSubject, { bytes: subjectBytes });
      }
    } else {
      message = "";
    }
    if (this.status.textContent !== message) { this.status.textContent = message; }
    this.status.hidden = false;
    this.showProblems(typed);
  };

  Editor.prototype.showProblems = function (typed) {
    var self = this;
    var list = this.problems.querySelector("ul");
    list.textContent = "";
    typed.forEach(function (item) {
      var li = document.createElement("li");
      var name = self.rules.data.names[item.char] || codeOf(item.char);
      li.appendChild(document.createTextNode(fill(self.words.msgChar, { n: item.position, char: item.char, name: name }) + " "));
      if (item.replacement !== null) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = item.replacement === "" ? self.words.msgRemove : fill(self.words.msgReplace, { to: item.replacement });
        button.addEventListener("click", function () { self.replace(item); });
        li.appendChild(button);
      }
      list.appendChild(li);
    });
    this.problems.hidden = typed.length === 0;
  };

  /* Replace one character, where the writer asked, and keep the caret where it was. */
  Editor.prototype.replace = function (item) {
    var chars = Array.from(this.body.value);
    if (chars[item.position - 1] !== item.char) { return; }
    chars[item.position - 1] = item.replacement;
    this.body.value = chars.join("");
    this.update();
    this.body.focus();
  };

  var root = document.querySelector("[data-sms-editor]");
  if (!root) { return; }
  fetch(root.getAttribute("data-sms-editor"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var rules = new Rules(data);
      window.pcrmSmsRules = rules; /* the browser tests compare it with the server's rule */
      var editor = new Editor(root, rules);
      var timer = null;
      var later = function () { clearTimeout(timer); timer = setTimeout(function () { editor.update(); }, 150); };
      editor.body.addEventListener("input", later);
      if (editor.subject) { editor.subject.addEventListener("input", later); }
      document.querySelectorAll("input[name='kind'], input[name='channel'], input[name='delivery']").forEach(function (input) {
        input.addEventListener("change", later);
      });
      editor.update();
    });
})();
