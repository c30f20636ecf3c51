/* The visit form without a network: "存为离线草稿" (or 保存 while offline, or any save of a draft
   being edited via #draft=<id>) keeps the visit, its findings and its photos on the device instead
   of posting the form. Photos are decoded with their EXIF orientation applied, downscaled to the
   configured longest side and stored as JPEG blobs; a photo that cannot be stored is named and the
   rest of the draft is kept. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-offline-form]");
  if (!form || !window.DudaoStore || !window.DudaoShell) return;
  var Store = window.DudaoStore;
  var Shell = window.DudaoShell;
  var say = Shell.say;
  var status = document.querySelector("[data-draft-status]");
  var photoBox = form.querySelector("[data-draft-photos]");
  var fileInput = form.querySelector("input[type=file][name=files]");
  var maxSide = parseInt(form.dataset.maxSide, 10) || 1600;
  var maxBytes = parseInt(form.dataset.maxBytes, 10) || 20 * 1024 * 1024;
  var editing = null; // id of the draft loaded into the form
  var keptPhotos = []; // that draft's photos still wanted: {blob, name, size}
  var busy = false;

  function field(name) {
    return form.elements.namedItem(name);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function deviceToday() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function show(kind, lines) {
    status.textContent = "";
    if (!lines.length) return;
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("role", kind === "danger" || kind === "warning" ? "alert" : "status");
    lines.forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    status.appendChild(box);
    box.scrollIntoView({ block: "nearest" });
  }

  // --- the form's values ----------------------------------------------------------------------
  function findings() {
    var total = parseInt(field("findings-TOTAL_FORMS").value, 10) || 0;
    var rows = [];
    for (var i = 0; i < total; i++) {
      var kind = field("findings-" + i + "-kind");
      var text = field("findings-" + i + "-text");
      if (!kind || !text) continue;
      if (!kind.value && !text.value.trim()) continue;
      rows.push({ kind: kind.value, text: text.value.trim() });
    }
    return rows;
  }

  function coordinate(name) {
    var raw = field(name).value.trim();
    if (raw === "" || isNaN(Number(raw))) return raw === "" ? null : raw;
    return Math.round(Number(raw) * 1e6) / 1e6;
  }

  function collect() {
    return {
      project: parseInt(form.dataset.project, 10),
      visited_on: field("visited_on").value,
      place: field("place").value.trim(),
      methods: Array.prototype.map.call(form.querySelectorAll("[name=methods]:checked"), function (el) {
        return el.value;
      }),
      is_recheck: field("is_recheck").checked,
      participants: field("participants").value.trim(),
      summary: field("summary").value.trim(),
      latitude: coordinate("latitude"),
      longitude: coordinate("longitude"),
      findings: findings(),
    };
  }

  function problemsOf(visit) {
    var problems = [];
    if (!visit.visited_on) problems.push(say("required_visited_on"));
    else if (visit.visited_on > deviceToday()) problems.push(say("future_visited_on"));
    if (!visit.place) problems.push(say("required_place"));
    if (!visit.methods.length) problems.push(say("required_methods"));
    if (!visit.summary) problems.push(say("required_summary"));
    if (
      visit.findings.some(function (f) {
        return !f.kind || !f.text;
      })
    )
      problems.push(say("finding_incomplete"));
    if ((visit.latitude === null) !== (visit.longitude === null)) problems.push(say("geo_pair"));
    return problems;
  }

  // The phone's position when it gives one without asking (permission already granted).
  function locate(visit) {
    if (visit.latitude !== null || !navigator.geolocation || !navigator.permissions) return Promise.resolve();
    return navigator.permissions
      .query({ name: "geolocation" })
      .then(function (permission) {
        if (permission.state !== "granted") return;
        return new Promise(function (resolve) {
          navigator.geolocation.getCurrentPosition(
            function (position) {
              visit.latitude = Math.round(position.coords.latitude * 1e6) / 1e6;
              visit.longitude = Math.round(position.coords.longitude * 1e6) / 1e6;
              field("latitude").value = visit.latitude.toFixed(6);
              field("longitude").value = visit.longitude.toFixed(6);
              resolve();
            },
            function () {
              resolve();
            },
            { enableHighAccuracy: true, timeout: 5000, maximumAge: 300000 }
          );
        });
      })
      .catch(function () {});
  }

  // --- photos ---------------------------------------------------------------------------------
  function shrink(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(
          function (blob) {
            if (blob) resolve(blob);
            else reject(new Error("encode"));
          },
          "image/jpeg",
          0.85
        );
      });
    });
  }

  function jpegName(name) {
    return (name.replace(/\.[^.]*$/, "") || "photo") + ".jpg";
  }

  async function newPhotos(problems) {
    var files = fileInput ? Array.prototype.slice.call(fileInput.files) : [];
    var photos = [];
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      if (!/^image\//.test(file.type)) {
        problems.push(say("not_a_photo", { name: file.name }));
        continue;
      }
      var blob;
      try {
        blob = await shrink(file);
      } catch (error) {
        problems.push(say("photo_unreadable", { name: file.name }));
        continue;
      }
      if (blob.size > maxBytes) {
        problems.push(say("photo_too_large", { name: file.name, limit: say("photo_limit") }));
        continue;
      }
      photos.push({ blob: blob, name: jpegName(file.name), size: blob.size });
    }
    return photos;
  }

  function drawPhotos() {
    photoBox.textContent = "";
    photoBox.hidden = keptPhotos.length === 0;
    keptPhotos.forEach(function (photo, index) {
      var figure = document.createElement("figure");
      figure.className = "dd-draft-photo m-0 text-center";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(photo.blob);
      img.alt = photo.name;
      img.className = "rounded border d-block mb-1";
      img.width = 96;
      img.height = 72;
      img.style.objectFit = "cover";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.textContent = say("remove_photo");
      remove.setAttribute("aria-label", say("remove_photo") + " " + photo.name);
      remove.addEventListener("click", function () {
        keptPhotos.splice(index, 1);
        drawPhotos();
      });
      figure.appendChild(img);
      figure.appendChild(remove);
      photoBox.appendChild(figure);
    });
  }

  // --- load a draft into the form ------------------------------------------------------------
  function ensureFindingRows(count) {
    var add = form.querySelector("[data-formset-add]");
    var guard = 0;
    while (!field("findings-" + (count - 1) + "-kind") && add && guard++ < 60) add.click();
  }

  function fill(visit) {
    field("visited_on").value = visit.visited_on || "";
    field("place").value = visit.place || "";
    form.querySelectorAll("[name=methods]").forEach(function (box) {
      box.checked = (visit.methods || []).indexOf(box.value) >= 0;
    });
    field("is_recheck").checked = !!visit.is_recheck;
    field("participants").value = visit.participants || "";
    field("summary").value = visit.summary || "";
    field("latitude").value = visit.latitude === null || visit.latitude === undefined ? "" : visit.latitude;
    field("longitude").value = visit.longitude === null || visit.longitude === undefined ? "" : visit.longitude;
    var rows = visit.findings || [];
    if (rows.length) ensureFindingRows(rows.length);
    rows.forEach(function (row, i) {
      field("findings-" + i + "-kind").value = row.kind;
      field("findings-" + i + "-text").value = row.text;
    });
  }

  async function load(id) {
    var draft = await Store.draft(id).catch(function () {
      return null;
    });
    if (!draft || String(draft.userId) !== String(Shell.userId)) {
      show("warning", [say("draft_missing")]);
      return;
    }
    if (draft.state === "syncing" || draft.state === "synced" || draft.visitId) {
      show("info", [say("draft_locked")]);
      return;
    }
    editing = id;
    fill(draft.visit);
    keptPhotos = (await Store.photos(id)).map(function (p) {
      return { blob: p.blob, name: p.name, size: p.size };
    });
    drawPhotos();
    show("info", [say("editing")]);
  }

  // --- save -----------------------------------------------------------------------------------
  async function save() {
    var visit = collect();
    var problems = problemsOf(visit);
    if (problems.length) {
      show("danger", problems);
      return;
    }
    await locate(visit);
    problems = [];
    var fresh = await newPhotos(problems);
    var id = editing || Store.newId();
    var draft = editing ? await Store.draft(id) : null;
    if (draft && (draft.state === "syncing" || draft.state === "synced" || draft.visitId)) {
      show("info", [say("draft_locked")]);
      return;
    }
    draft = draft || { id: id, userId: String(Shell.userId), createdAt: Date.now(), uploaded: [] };
    draft.projectId = visit.project;
    draft.projectName = form.dataset.projectName;
    draft.visit = visit;
    draft.state = "saving"; // not sent until its photos are all written
    draft.reason = null;
    draft.photoCount = 0;
    try {
      await Store.putDraft(draft);
    } catch (error) {
      show("danger", [say("quota_draft")]);
      return;
    }
    var stored = 0;
    var wanted = keptPhotos.concat(fresh);
    for (var i = 0; i < wanted.length; i++) {
      try {
        await Store.putPhoto({ draftId: id, index: stored, blob: wanted[i].blob, name: wanted[i].name, size: wanted[i].size });
        stored += 1;
      } catch (error) {
        problems.push(say("quota", { name: wanted[i].name }));
      }
    }
    await Store.dropPhotos(id, stored);
    await Store.updateDraft(id, function (d) {
      d.photoCount = stored;
      d.state = "pending";
    });
    window.DudaoSync.announce({ id: id });
    Shell.requestBackgroundSync();
    if (problems.length) {
      editing = id;
      history.replaceState(null, "", "#draft=" + id);
      keptPhotos = wanted.slice(0, stored);
      if (fileInput) fileInput.value = "";
      drawPhotos();
      show("warning", [say("saved_with_problems")].concat(problems));
      Shell.syncNow();
      return;
    }
    window.location.assign(form.dataset.draftsUrl);
  }

  form.addEventListener("submit", function (event) {
    var asDraft = event.submitter && event.submitter.hasAttribute("data-save-draft");
    if (!asDraft && navigator.onLine && !editing) return; // online: the form posts as always
    event.preventDefault();
    if (busy) return;
    busy = true;
    save()
      .catch(function () {
        show("danger", [say("quota_draft")]);
      })
      .then(function () {
        busy = false;
      });
  });

  var match = /[#&]draft=([0-9a-f-]{36})/.exec(window.location.hash);
  if (match) {
    Shell.ready.then(function () {
      return load(match[1]);
    });
  } else if (!form.querySelector(".is-invalid")) {
    field("visited_on").value = deviceToday(); // a form kept offline was drawn on an earlier day
  }
})();
