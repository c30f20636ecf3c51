/* 我的离线草稿: this user's drafts on this device with their state (待同步 / 同步中 / 已同步 /
   同步失败 and why), to modify or discard before they sync, retry after a refusal, or open the
   visit they became. Other users' drafts on the same device are never read. */
(function () {
  "use strict";

  var list = document.getElementById("dd-drafts");
  if (!list || !window.DudaoStore || !window.DudaoShell) return;
  var Store = window.DudaoStore;
  var Shell = window.DudaoShell;
  var say = Shell.say;
  var BADGE = {
    saving: "text-bg-secondary",
    pending: "text-bg-warning",
    syncing: "text-bg-info",
    synced: "text-bg-success",
    failed: "text-bg-danger",
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function when(ms) {
    var d = new Date(ms);
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function reasonText(draft) {
    var reason = draft.reason;
    if (!reason) return "";
    if (reason.code === "refused") {
      var photos = draft.visitId
        ? say("reason_photos", { done: (draft.uploaded || []).length, total: draft.photoCount }) + " "
        : "";
      return photos + say("reason_refused") + reason.detail;
    }
    return say("reason_" + reason.code);
  }

  function button(label, className, onClick) {
    var b = el("button", "btn btn-sm " + className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function card(draft) {
    var state = draft.state === "saving" ? "pending" : draft.state;
    var visit = draft.visit || {};
    var item = el("article", "card mb-2 dd-draft");
    item.dataset.draftId = draft.id;
    item.dataset.state = state;
    var body = el("div", "card-body py-2 px-3");
    var top = el("div", "d-flex justify-content-between align-items-start gap-2");
    top.appendChild(el("h3", "h6 mb-1", draft.projectName || ""));
    top.appendChild(el("span", "badge " + BADGE[state] + " flex-shrink-0", say("state_" + state)));
    body.appendChild(top);
    body.appendChild(el("div", "small", (visit.visited_on || "") + " · " + (visit.place || say("no_place"))));
    var counts = [
      say("findings_count", { count: (visit.findings || []).length }),
      say("photos_count", { count: draft.photoCount || 0 }),
      (state === "synced" ? say("synced_at") + " " + when(draft.syncedAt) : say("saved_at") + " " + when(draft.updatedAt)),
    ];
    body.appendChild(el("div", "small text-body-secondary", counts.join(" · ")));
    var reason = reasonText(draft);
    if (reason && state !== "synced") {
      var note = el("div", "small mt-1 " + (state === "failed" ? "text-danger" : "text-body-secondary"), reason);
      note.dataset.reason = draft.reason.code;
      body.appendChild(note);
    }
    var actions = el("div", "d-flex flex-wrap gap-2 mt-2");
    var changeable = !draft.visitId && (state === "pending" || state === "failed");
    if (changeable) {
      var edit = el("a", "btn btn-sm btn-outline-primary", say("edit"));
      edit.href = list.dataset.formUrl + "?project=" + draft.projectId + "#draft=" + draft.id;
      actions.appendChild(edit);
    }
    if (state === "failed") {
      actions.appendChild(
        button(say("retry"), "btn-outline-secondary", function () {
          Store.updateDraft(draft.id, function (d) {
            d.state = "pending";
            d.reason = null;
          }).then(function () {
            return Shell.syncNow();
          }).then(draw);
        })
      );
    }
    if (changeable || (state === "failed" && draft.visitId)) {
      actions.appendChild(
        button(say("discard"), "btn-outline-danger", function () {
          if (window.confirm(say("discard_confirm"))) Store.discardDraft(draft.id).then(Shell.countUnsynced).then(draw);
        })
      );
    }
    if (state === "synced" && draft.visitId) {
      var open = el("a", "btn btn-sm btn-outline-success", say("view_visit"));
      open.href = list.dataset.visitUrl.replace("/0/", "/" + draft.visitId + "/");
      actions.appendChild(open);
      actions.appendChild(
        button(say("remove"), "btn-outline-secondary", function () {
          Store.discardDraft(draft.id).then(draw);
        })
      );
    }
    if (actions.childNodes.length) body.appendChild(actions);
    item.appendChild(body);
    return item;
  }

  function draw() {
    return Store.draftsOf(Shell.userId)
      .then(function (drafts) {
        list.textContent = "";
        if (!drafts.length) {
          list.appendChild(el("p", "text-body-secondary", say("no_drafts")));
          return;
        }
        drafts.forEach(function (draft) {
          list.appendChild(card(draft));
        });
      })
      .catch(function () {
        list.textContent = say("quota_draft");
      });
  }

  var syncButton = document.querySelector("[data-sync-now]");
  if (syncButton) {
    syncButton.addEventListener("click", function () {
      syncButton.disabled = true;
      Shell.syncNow().then(draw).then(function () {
        syncButton.disabled = false;
      });
    });
  }
  window.addEventListener("dudao:drafts", draw);
  if ("BroadcastChannel" in window) new BroadcastChannel("dudao-drafts").addEventListener("message", draw);
  Shell.ready.then(draw);
})();
