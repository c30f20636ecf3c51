/* Offline drafts on the device (IndexedDB), for the pages and the service worker alike.

   drafts: {id (the device id, a UUID), userId, projectId, projectName, visit: {...API fields},
            photoCount, state: pending|syncing|synced|failed, reason, visitId, uploaded: [index],
            createdAt, updatedAt, syncedAt}
   photos: {draftId, index, blob, name, size}   keyed [draftId, index]
   meta:   {key, value}  (currentUser: the user the pages last showed; csrf: his CSRF token)

   Every write resolves only when its transaction committed, so "saved" means on disk, and a full
   disk rejects with the browser's QuotaExceededError instead of losing data silently. */
(function (global) {
  "use strict";

  var NAME = "dudao-offline";
  var VERSION = 1;
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = global.indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("drafts", { keyPath: "id" }).createIndex("userId", "userId");
          db.createObjectStore("photos", { keyPath: ["draftId", "index"] }).createIndex("draftId", "draftId");
          db.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () {
            db.close();
            opening = null;
          };
          resolve(db);
        };
        request.onerror = function () {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  // Run `work(stores)` in one transaction; resolve with what it put in `out.value` once committed.
  function run(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var out = { value: undefined };
        var stores = {};
        names.forEach(function (name) {
          stores[name] = tx.objectStore(name);
        });
        tx.oncomplete = function () {
          resolve(out.value);
        };
        tx.onabort = tx.onerror = function (event) {
          if (event && event.preventDefault) event.preventDefault();
          reject(tx.error || (event && event.target && event.target.error));
        };
        try {
          work(stores, out);
        } catch (error) {
          try {
            tx.abort();
          } catch (ignored) {
            /* already finished */
          }
          reject(error);
        }
      });
    });
  }

  function collect(request, out, transform) {
    request.onsuccess = function () {
      out.value = transform ? transform(request.result) : request.result;
    };
  }

  var Store = {
    draftsOf: function (userId) {
      return run(["drafts"], "readonly", function (s, out) {
        collect(s.drafts.index("userId").getAll(String(userId)), out, function (rows) {
          return rows.sort(function (a, b) {
            return b.updatedAt - a.updatedAt;
          });
        });
      });
    },
    draft: function (id) {
      return run(["drafts"], "readonly", function (s, out) {
        collect(s.drafts.get(id), out);
      });
    },
    putDraft: function (draft) {
      draft.updatedAt = Date.now();
      return run(["drafts"], "readwrite", function (s, out) {
        s.drafts.put(draft);
        out.value = draft;
      });
    },
    // Change a stored draft in place (read-modify-write in one transaction).
    updateDraft: function (id, change) {
      return run(["drafts"], "readwrite", function (s, out) {
        var request = s.drafts.get(id);
        request.onsuccess = function () {
          var draft = request.result;
          if (!draft) return;
          change(draft);
          s.drafts.put(draft);
          out.value = draft;
        };
      });
    },
    discardDraft: function (id) {
      return run(["drafts", "photos"], "readwrite", function (s) {
        s.drafts.delete(id);
        s.photos.delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
      });
    },
    photos: function (draftId) {
      return run(["photos"], "readonly", function (s, out) {
        collect(s.photos.getAll(IDBKeyRange.bound([draftId, 0], [draftId, Infinity])), out);
      });
    },
    putPhoto: function (photo) {
      return run(["photos"], "readwrite", function (s) {
        s.photos.put(photo);
      });
    },
    // Photos from `fromIndex` on are removed (after an edit renumbered the draft's photos).
    dropPhotos: function (draftId, fromIndex) {
      return run(["photos"], "readwrite", function (s) {
        s.photos.delete(IDBKeyRange.bound([draftId, fromIndex || 0], [draftId, Infinity]));
      });
    },
    meta: function (key) {
      return run(["meta"], "readonly", function (s, out) {
        collect(s.meta.get(key), out, function (row) {
          return row ? row.value : undefined;
        });
      });
    },
    setMeta: function (key, value) {
      return run(["meta"], "readwrite", function (s) {
        s.meta.put({ key: key, value: value });
      });
    },
  };

  // A draft's id, made on the device: crypto.randomUUID where the page is a secure context
  // (https, localhost), else version-4 bits from getRandomValues (an intranet's plain http).
  Store.newId = function () {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    var b = global.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    });
    return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)]
      .map(function (part) {
        return part.join("");
      })
      .join("-");
  };

  global.DudaoStore = Store;
})(self);
