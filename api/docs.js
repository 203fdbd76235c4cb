// Renders the OpenAPI document of /api/schema/ as a browsable list of
// operations grouped by tag. The page's Content-Security-Policy allows only
// same-origin scripts, so this file is loaded from /api/docs/docs.js.
(function () {
  "use strict";
  var methods = ["get", "post", "put", "patch", "delete"];
  var doc = null;

  function el(tag, className, children) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      }
    });
    return node;
  }

  function refName(ref) { return ref.split("/").pop(); }

  // component returns the named entry of a components section, or an empty
  // object when the reference points nowhere.
  function component(section, ref) {
    var entries = (doc.components && doc.components[section]) || {};
    return entries[refName(ref)] || {};
  }

  function deref(schema) {
    return schema && schema.$ref ? component("schemas", schema.$ref) : (schema || {});
  }

  // mergeAllOf combines the parts of an allOf into one object schema, which
  // is how the document uses allOf: a component extended with more fields.
  function mergeAllOf(schema) {
    var merged = { type: "object", properties: {}, required: [] };
    var names = [];
    schema.allOf.forEach(function (part) {
      if (part.$ref) { names.push(refName(part.$ref)); }
      var s = deref(part);
      if (s.allOf) { s = mergeAllOf(s); }
      Object.keys(s.properties || {}).forEach(function (p) { merged.properties[p] = s.properties[p]; });
      merged.required = merged.required.concat(s.required || []);
      if (s.description && !merged.description) { merged.description = s.description; }
    });
    merged.mergedFrom = names;
    return merged;
  }

  function typeName(schema) {
    if (schema.$ref) { return refName(schema.$ref); }
    if (schema.allOf) {
      var names = mergeAllOf(schema).mergedFrom;
      return names.length ? names.join(" + ") + " + fields" : "object";
    }
    if (schema.oneOf || schema.anyOf) { return (schema.oneOf ? "one of " : "any of ") + (schema.oneOf || schema.anyOf).map(typeName).join(" | "); }
    if (schema.type === "array") { return "array of " + typeName(schema.items || {}); }
    if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object" && !schema.properties) {
      return "map of string to " + typeName(schema.additionalProperties);
    }
    var name = schema.type || "any";
    if (schema.format) { name += " (" + schema.format + ")"; }
    if (schema.nullable) { name += " or null"; }
    return name;
  }

  // constraints lists enum values, bounds, patterns and defaults as short
  // phrases.
  function constraints(schema) {
    var out = [];
    if (schema.enum) { out.push("one of: " + schema.enum.map(function (v) { return JSON.stringify(v); }).join(", ")); }
    if (schema.minLength !== undefined) { out.push("min length " + schema.minLength); }
    if (schema.maxLength !== undefined) { out.push("max length " + schema.maxLength); }
    if (schema.minimum !== undefined) { out.push((schema.exclusiveMinimum ? "> " : "≥ ") + schema.minimum); }
    if (schema.maximum !== undefined) { out.push((schema.exclusiveMaximum ? "< " : "≤ ") + schema.maximum); }
    if (schema.minItems !== undefined) { out.push("min items " + schema.minItems); }
    if (schema.maxItems !== undefined) { out.push("max items " + schema.maxItems); }
    if (schema.pattern) { out.push("pattern " + schema.pattern); }
    if (schema["default"] !== undefined) { out.push("default " + JSON.stringify(schema["default"])); }
    if (schema.readOnly) { out.push("read-only"); }
    if (schema.writeOnly) { out.push("write-only"); }
    return out;
  }

  // nestedView renders what a schema nests: its properties, those of its
  // array items or map values, or its alternatives. It returns null for a
  // schema that nests nothing.
  function nestedView(schema, ancestors) {
    var ref = schema.$ref ? refName(schema.$ref) : null;
    if (ref && ancestors.indexOf(ref) >= 0) {
      return el("div", "note", [ref + " again (recursive), see above"]);
    }
    var inner = ref ? ancestors.concat([ref]) : ancestors;
    var s = deref(schema);
    if (s.allOf) { s = mergeAllOf(s); }
    if (s.oneOf || s.anyOf) { return alternatives(s, inner); }
    if (s.type === "array" && s.items) { return nestedView(s.items, inner); }
    if (s.properties && Object.keys(s.properties).length) { return propertyList(s, inner); }
    if (s.additionalProperties && typeof s.additionalProperties === "object") {
      return nestedView(s.additionalProperties, inner);
    }
    return null;
  }

  function alternatives(schema, ancestors) {
    var list = el("ol", "alternatives");
    (schema.oneOf || schema.anyOf).forEach(function (alt) {
      var resolved = deref(alt);
      var head = el("div", "alt-head", [el("span", "type", [typeName(alt)])]);
      if (resolved.description) { head.appendChild(el("span", "desc", [resolved.description])); }
      list.appendChild(el("li", "", [head, nestedView(alt, ancestors)]));
    });
    return el("div", "", [el("div", "note", [schema.oneOf ? "Exactly one of:" : "Any of:"]), list]);
  }

  function propertyRow(name, schema, required) {
    var resolved = deref(schema);
    var row = el("div", "prop", [
      el("code", "name", [name]),
      el("span", "type", [typeName(schema)]),
      required ? el("span", "required", ["required"]) : null
    ]);
    var facts = constraints(resolved);
    var description = schema.description || resolved.description || "";
    if (description || facts.length) {
      row.appendChild(el("span", "desc", [description, facts.length ? el("span", "facts", [facts.join("; ")]) : null]));
    }
    return row;
  }

  function propertyList(schema, ancestors) {
    var list = el("ul", "props");
    var required = schema.required || [];
    Object.keys(schema.properties).forEach(function (name) {
      var prop = schema.properties[name];
      var row = propertyRow(name, prop, required.indexOf(name) >= 0);
      var nested = nestedView(prop, ancestors);
      if (nested) {
        // Nested objects start collapsed so an opened operation stays short.
        var details = el("details", "nested", [el("summary", "", [row]), nested]);
        list.appendChild(el("li", "", [details]));
      } else {
        list.appendChild(el("li", "", [row]));
      }
    });
    return list;
  }

  function rawToggle(schema) {
    var pre = el("pre");
    var raw = el("details", "raw", [el("summary", "", ["JSON Schema"]), pre]);
    raw.addEventListener("toggle", function () {
      if (raw.open && !pre.textContent) { pre.textContent = JSON.stringify(schema, null, 2); }
    });
    return raw;
  }

  function schemaView(schema) {
    var resolved = deref(schema);
    var head = el("div", "schema-head", [el("span", "type", [typeName(schema)])]);
    if (schema.$ref && resolved.description) { head.appendChild(el("span", "desc", [resolved.description])); }
    var facts = constraints(resolved);
    if (facts.length) { head.appendChild(el("span", "facts", [facts.join("; ")])); }
    head.appendChild(rawToggle(schema));
    return el("div", "schema", [head, nestedView(schema, [])]);
  }

  // contentView shows each distinct schema of a content map once, with all
  // media types that share it.
  function contentView(content) {
    var block = el("div", "content");
    var groups = [];
    Object.keys(content || {}).forEach(function (mediaType) {
      var schema = content[mediaType].schema || {};
      var key = JSON.stringify(schema);
      var group = groups.filter(function (g) { return g.key === key; })[0];
      if (group) { group.types.push(mediaType); } else { groups.push({ key: key, schema: schema, types: [mediaType] }); }
    });
    groups.forEach(function (g) {
      block.appendChild(el("div", "media", [g.types.join(", ")]));
      block.appendChild(schemaView(g.schema));
    });
    return block;
  }

  function parameterTable(parameters) {
    var head = el("tr", "", [el("th", "", ["Name"]), el("th", "", ["In"]), el("th", "", ["Type"]), el("th", "", ["Description"])]);
    var rows = parameters.map(function (p) {
      if (p.$ref) { p = component("parameters", p.$ref); }
      var schema = p.schema || {};
      var facts = constraints(deref(schema));
      return el("tr", "", [
        el("td", "", [el("code", "name", [p.name]), p.required ? el("span", "required", ["required"]) : null]),
        el("td", "", [p["in"]]),
        el("td", "", [el("span", "type", [typeName(schema)])]),
        el("td", "", [p.description || "", facts.length ? el("span", "facts", [facts.join("; ")]) : null])
      ]);
    });
    return el("table", "params", [el("thead", "", [head]), el("tbody", "", rows)]);
  }

  function responseView(status, response) {
    var schemaNames = [];
    if (response.$ref) {
      schemaNames.push(refName(response.$ref));
      response = component("responses", response.$ref);
    }
    var summary = el("summary", "", [
      el("span", "status status-" + status.charAt(0), [status]),
      " ",
      el("span", "", [response.description || ""])
    ]);
    var details = el("details", "response", [summary]);
    if (response.content && Object.keys(response.content).length) {
      details.appendChild(contentView(response.content));
    } else {
      details.appendChild(el("div", "note", ["No body."]));
    }
    // Success responses start open. The many shared error responses stay
    // one line each until opened.
    details.open = status.charAt(0) === "2";
    return details;
  }

  function operationBody(op) {
    var body = el("div", "body");
    if (op.description) { body.appendChild(el("p", "", [op.description])); }
    var security = op.security || doc.security || [];
    var schemes = security.map(function (s) { return Object.keys(s).join(" + ") || "none"; });
    body.appendChild(el("p", "auth", ["Authentication: " + (schemes.length ? schemes.join(" or ") : "none")]));
    if (op.parameters && op.parameters.length) {
      body.appendChild(el("h3", "", ["Parameters"]));
      body.appendChild(parameterTable(op.parameters));
    }
    var requestBody = op.requestBody;
    if (requestBody && requestBody.$ref) { requestBody = component("requestBodies", requestBody.$ref); }
    if (requestBody) {
      body.appendChild(el("h3", "", ["Request body" + (requestBody.required ? " (required)" : "")]));
      if (requestBody.description) { body.appendChild(el("p", "", [requestBody.description])); }
      body.appendChild(contentView(requestBody.content));
    }
    body.appendChild(el("h3", "", ["Responses"]));
    Object.keys(op.responses || {}).sort().forEach(function (status) {
      body.appendChild(responseView(status, op.responses[status]));
    });
    return body;
  }

  function operation(path, method, op) {
    var summary = el("summary", "", [
      el("span", "method " + method, [method]),
      el("span", "path", [path]),
      el("span", "summary", [op.summary || ""])
    ]);
    var details = el("details", "op", [summary, operationBody(op)]);
    details.dataset.search = (method + " " + path + " " + (op.summary || "")).toLowerCase();
    return details;
  }

  // tagOrder lists the tags in the order of the document's tags list, then
  // tags that only operations name, in the order they appear.
  function tagOrder(groups) {
    var order = (doc.tags || []).map(function (t) { return t.name; });
    Object.keys(groups).forEach(function (name) {
      if (order.indexOf(name) < 0) { order.push(name); }
    });
    return order.filter(function (name) { return groups[name]; });
  }

  function render() {
    var container = document.getElementById("operations");
    container.textContent = "";
    var groups = {};
    Object.keys(doc.paths).sort().forEach(function (path) {
      methods.forEach(function (m) {
        var op = doc.paths[path][m];
        if (!op) { return; }
        var tag = (op.tags && op.tags[0]) || "other";
        (groups[tag] = groups[tag] || []).push(operation(path, m, op));
      });
    });
    var descriptions = {};
    (doc.tags || []).forEach(function (t) { descriptions[t.name] = t.description || ""; });
    tagOrder(groups).forEach(function (tag) {
      var section = el("section", "tag", [el("h2", "", [tag])]);
      section.dataset.tag = tag;
      if (descriptions[tag]) { section.appendChild(el("p", "tag-desc", [descriptions[tag]])); }
      groups[tag].forEach(function (node) { section.appendChild(node); });
      container.appendChild(section);
    });
    container.appendChild(el("p", "no-match", ["No operation matches the filter."]));
    container.lastChild.hidden = true;
  }

  function applyFilter(query) {
    var q = query.trim().toLowerCase();
    var anyShown = false;
    document.querySelectorAll("section.tag").forEach(function (section) {
      var shown = 0;
      section.querySelectorAll("details.op").forEach(function (d) {
        d.hidden = q !== "" && d.dataset.search.indexOf(q) < 0;
        if (!d.hidden) { shown++; }
      });
      section.hidden = shown === 0;
      anyShown = anyShown || shown > 0;
    });
    var none = document.querySelector(".no-match");
    if (none) { none.hidden = anyShown; }
  }

  document.getElementById("filter").addEventListener("input", function (e) { applyFilter(e.target.value); });

  fetch("/api/schema/?format=json", { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (d) {
      doc = d;
      document.getElementById("title").textContent = d.info.title + " API " + d.info.version;
      document.getElementById("description").textContent = d.info.description || "";
      render();
      applyFilter(document.getElementById("filter").value);
    })
    .catch(function (err) {
      var container = document.getElementById("operations");
      container.textContent = "The API description could not be loaded: " + err.message;
      container.className = "error";
    });
})();
