/* Sending offline drafts to /api/v1/visits/, exactly once, from a page or the service worker.

   A draft is one POST carrying its device id (the server keeps one visit per user and device id,
   and answers a resend with that visit), then one PUT per photo keyed by visit id and index (a
   resend answers the stored photo). So a lost answer, a dropped connection, a second tab or a
   crash mid-way only ever repeats requests the server recognises; the draft becomes "synced"
   only when the visit and every photo were acknowledged. One sync at a time per user on this
   device (Web Locks), so two tabs do not even send twice.

   Outcomes: 2xx → next step; 401 (or a CSRF refusal) → the session ended: stays pending, says so;
   400/403/404/409/413 → refused: "failed" with the server's reason, the draft kept;
   a network error or 5xx → stays pending, retried on the next trigger. */
(function (global) {
  "use strict";

  var Store = global.DudaoStore;
  var API = "/api/v1/visits/";
  var channel = "BroadcastChannel" in global ? new BroadcastChannel("dudao-drafts") : null;

  // Tell every open page (other tabs through the channel, this one through an event).
  function announce(draft) {
    var id = draft && draft.id;
    if (channel) channel.postMessage({ type: "draft", id: id });
    if (global.document) global.dispatchEvent(new CustomEvent("dudao:drafts", { detail: { id: id } }));
  }

  function cookie(name) {
    if (!global.document) return "";
    var match = global.document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The CSRF token: the page reads its cookie; the service worker uses the Cookie Store API
  // where the browser has it, else the token the last page stored.
  function csrfToken() {
    if (global.document) return Promise.resolve(cookie("csrftoken"));
    var fromCookies = global.cookieStore
      ? global.cookieStore.get("csrftoken").then(
          function (c) {
            return c ? c.value : "";
          },
          function () {
            return "";
          }
        )
      : Promise.resolve("");
    return fromCookies.then(function (token) {
      return token || Store.meta("csrf").then(String);
    });
  }

  function fieldMessages(error) {
    var fields = (error && error.fields) || {};
    var lines = [];
    Object.keys(fields).forEach(function (name) {
      fields[name].forEach(function (text) {
        if (lines.indexOf(text) < 0) lines.push(text);
      });
    });
    return lines;
  }

  // What an answer means for the draft.
  async function outcome(response) {
    var body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      body = null;
    }
    if (response.ok) return { ok: true, body: body };
    var error = (body && body.error) || {};
    var status = response.status;
    if (status === 401 || (status === 403 && /CSRF/i.test(error.message || ""))) {
      return { ok: false, state: "pending", reason: { code: "session" } };
    }
    if ([400, 403, 404, 409, 413].indexOf(status) >= 0) {
      var lines = fieldMessages(error);
      var detail = lines.length ? lines.join(" ") : error.message || String(status);
      return { ok: false, state: "failed", reason: { code: "refused", detail: detail, status: status } };
    }
    return { ok: false, state: "pending", reason: { code: "server", status: status } };
  }

  function postVisit(draft, csrf) {
    var body = Object.assign({}, draft.visit, { device_id: draft.id, photo_count: draft.photoCount });
    return global.fetch(API, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  }

  function putPhoto(visitId, photo, csrf) {
    var form = new FormData();
    form.append("file", photo.blob, photo.name);
    return global.fetch(API + visitId + "/photos/" + photo.index + "/", {
      method: "PUT",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      body: form,
    });
  }

  function settle(id, state, reason) {
    return Store.updateDraft(id, function (d) {
      d.state = state;
      d.reason = reason || null;
    }).then(function (draft) {
      announce(draft);
      return draft;
    });
  }

  // One draft, from wherever it stopped. Resolves with the stored draft afterwards.
  async function syncDraft(id, userId) {
    var draft = await Store.draft(id);
    if (!draft || String(draft.userId) !== String(userId) || draft.state === "synced") return draft;
    var csrf = await csrfToken();
    draft = await settle(id, "syncing", null);
    try {
      if (!draft.visitId) {
        var made = await outcome(await postVisit(draft, csrf));
        if (!made.ok) return settle(id, made.state, made.reason);
        var onServer = (made.body.attachments || [])
          .map(function (a) {
            return a.device_index;
          })
          .filter(function (i) {
            return i !== null && i !== undefined;
          });
        draft = await Store.updateDraft(id, function (d) {
          d.visitId = made.body.id;
          d.uploaded = onServer;
        });
      }
      var photos = await Store.photos(id);
      for (var i = 0; i < photos.length; i++) {
        if ((draft.uploaded || []).indexOf(photos[i].index) >= 0) continue;
        var sent = await outcome(await putPhoto(draft.visitId, photos[i], csrf));
        if (!sent.ok) return settle(id, sent.state, sent.reason);
        var index = photos[i].index;
        draft = await Store.updateDraft(id, function (d) {
          d.uploaded = (d.uploaded || []).concat([index]);
        });
      }
      draft = await Store.updateDraft(id, function (d) {
        d.state = "synced";
        d.reason = null;
        d.syncedAt = Date.now();
      });
      await Store.dropPhotos(id, 0); // on the server now: free the device's storage
      announce(draft);
      return draft;
    } catch (error) {
      // fetch rejects when the network is gone (or the page went away): nothing is lost, the
      // next trigger resumes from visitId / uploaded.
      return settle(id, "pending", { code: "network" });
    }
  }

  async function syncPending(userId, options) {
    var retryFailed = options && options.retryFailed;
    var drafts = await Store.draftsOf(userId);
    var results = [];
    for (var i = 0; i < drafts.length; i++) {
      var d = drafts[i];
      var due = d.state === "pending" || d.state === "syncing" || (d.state === "failed" && retryFailed);
      if (!due) continue; // synced, refused, or still being written by the form
      var after = await syncDraft(d.id, userId);
      results.push(after);
      if (after && after.reason && (after.reason.code === "network" || after.reason.code === "session")) break;
    }
    return results;
  }

  // Every unsynced draft of `userId`, one sync at a time on this device.
  function syncAll(userId, options) {
    if (!userId) return Promise.resolve([]);
    var work = function () {
      return syncPending(userId, options);
    };
    if (global.navigator && global.navigator.locks) {
      return global.navigator.locks.request("dudao-sync-" + userId, work);
    }
    return work();
  }

  // A page closed or reloaded mid-sync leaves its draft marked "syncing" with nobody sending it.
  // On the next page load, when no sync of this user holds the lock (none in another tab or the
  // worker), such drafts are pending again: the card must not say 同步中 while nothing is sent.
  function recoverInterrupted(userId) {
    if (!userId) return Promise.resolve();
    var reset = async function () {
      var drafts = await Store.draftsOf(userId);
      for (var i = 0; i < drafts.length; i++) {
        if (drafts[i].state !== "syncing") continue;
        announce(
          await Store.updateDraft(drafts[i].id, function (d) {
            if (d.state === "syncing") d.state = "pending";
          })
        );
      }
    };
    if (!(global.navigator && global.navigator.locks)) return reset();
    return global.navigator.locks.request("dudao-sync-" + userId, { ifAvailable: true }, function (lock) {
      return lock ? reset() : undefined; // held: a sync is running and will settle its draft itself
    });
  }

  global.DudaoSync = {
    syncAll: syncAll,
    syncDraft: syncDraft,
    postVisit: postVisit,
    outcome: outcome,
    announce: announce,
    recoverInterrupted: recoverInterrupted,
  };
})(self);
