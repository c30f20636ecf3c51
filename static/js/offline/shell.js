/* Every page: installs the service worker, shows the offline banner, keeps one user's drafts and
   cached pages away from the next user of a shared device, warns before logging out with unsynced
   drafts, and syncs this user's drafts on page load, when the network returns and (through the
   service worker) with Background Sync. */
(function () {
  "use strict";

  var Store = window.DudaoStore;
  var Sync = window.DudaoSync;
  var PAGES_CACHE = "dudao-pages";
  var SYNC_TAG = "dudao-drafts";
  var userId = (document.querySelector('meta[name="dudao-user"]') || {}).content || "";
  var swUrl = (document.querySelector('meta[name="dudao-sw"]') || {}).content || "";
  var messagesNode = document.getElementById("dd-offline-messages");
  var messages = messagesNode ? JSON.parse(messagesNode.textContent) : {};
  var unsynced = 0;

  function say(key, values) {
    var text = messages[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("%(" + name + ")s", values[name]);
    });
    return text;
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- who is on this device ---------------------------------------------------------------
  // The pages the worker keeps belong to the user who loaded them: when the page shows another
  // user (or nobody: the login page), they are dropped. Drafts stay, keyed by their author.
  var ready = Store.meta("currentUser")
    .then(function (previous) {
      var changes = [];
      if ((previous || "") !== userId && "caches" in window) changes.push(caches.delete(PAGES_CACHE));
      changes.push(Store.setMeta("currentUser", userId));
      if (userId) changes.push(Store.setMeta("csrf", cookie("csrftoken")));
      if (userId && Sync) changes.push(Sync.recoverInterrupted(userId));
      return Promise.all(changes);
    })
    .catch(function () {
      /* private mode without IndexedDB: the banner still works */
    });

  // --- banner ------------------------------------------------------------------------------
  var banner = document.getElementById("dd-offline-banner");

  function drawBanner() {
    if (!banner) return;
    var offline = !navigator.onLine;
    var link = banner.querySelector("[data-unsynced-link]");
    banner.querySelector("[data-offline-text]").textContent = offline ? say("offline") : "";
    banner.querySelector("[data-offline-line]").hidden = !offline;
    if (link) {
      link.hidden = unsynced === 0;
      link.textContent = say("unsynced", { count: unsynced });
    }
    banner.classList.toggle("alert-warning", offline);
    banner.classList.toggle("alert-info", !offline);
    banner.hidden = !offline && unsynced === 0;
  }

  function countUnsynced() {
    if (!userId) return Promise.resolve(0);
    return Store.draftsOf(userId)
      .then(function (drafts) {
        unsynced = drafts.filter(function (d) {
          return d.state !== "synced";
        }).length;
        drawBanner();
        return unsynced;
      })
      .catch(function () {
        return 0;
      });
  }

  // --- sync --------------------------------------------------------------------------------
  function syncNow(options) {
    if (!userId || !navigator.onLine) return Promise.resolve([]);
    return ready
      .then(function () {
        return Sync.syncAll(userId, options);
      })
      .catch(function () {
        return [];
      })
      .then(function (results) {
        countUnsynced();
        return results;
      });
  }

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(false);
    return navigator.serviceWorker.ready
      .then(function (registration) {
        if (!registration.sync) return false;
        return registration.sync.register(SYNC_TAG).then(function () {
          return true;
        });
      })
      .catch(function () {
        return false;
      });
  }

  // --- service worker ----------------------------------------------------------------------
  function installWorker() {
    if (!("serviceWorker" in navigator) || !swUrl) return;
    navigator.serviceWorker
      .register(swUrl, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        // Keep the field pages (drafts, projects, visit forms) of this inspector for offline use,
        // once per release and session.
        var isInspector = !!document.querySelector("[data-unsynced-link]");
        var key = "dudao-warm-" + userId;
        if (!isInspector || !navigator.onLine || !registration.active || sessionStorage.getItem(key)) return;
        registration.active.postMessage({ type: "warm", language: document.documentElement.lang || "" });
        sessionStorage.setItem(key, "1");
      })
      .catch(function () {
        /* no worker (private mode, old browser): pages work online as before */
      });
  }

  // --- events ------------------------------------------------------------------------------
  window.addEventListener("online", function () {
    drawBanner();
    syncNow();
  });
  window.addEventListener("offline", drawBanner);
  window.addEventListener("dudao:drafts", countUnsynced);
  if ("BroadcastChannel" in window) {
    new BroadcastChannel("dudao-drafts").addEventListener("message", countUnsynced);
  }

  // Logging out with unsynced drafts asks first (the drafts stay, for this user only).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute("data-dd-logout")) return;
      if (unsynced > 0 && !window.confirm(say("logout_unsynced", { count: unsynced }))) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if ("caches" in window) caches.delete(PAGES_CACHE);
    },
    true
  );

  window.DudaoShell = {
    userId: userId,
    messages: messages,
    say: say,
    syncNow: syncNow,
    requestBackgroundSync: requestBackgroundSync,
    countUnsynced: countUnsynced,
    ready: ready,
  };

  drawBanner();
  // The worker warms this user's pages only once the previous user's are gone.
  ready.then(installWorker);
  ready.then(countUnsynced).then(function () {
    return syncNow();
  });
})();
