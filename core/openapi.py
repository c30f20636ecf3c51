"""Post-processing of the OpenAPI schema so that generated clients (openapi-python-client,
openapi-generator) get usable code from it. Generic: knows no domain app.

* Every enum a query parameter takes becomes a named component with an ASCII name (a generator
  otherwise names an inline enum after the parameter's title, which django-filter takes from the
  Chinese label: `V1IssuesList问题类别`). An identical existing component is reused.
* A path parameter that is an object id is an integer. The routes still accept any segment, so a
  malformed id answers the API's JSON 404 (core.api.API_LOOKUP) rather than Django's page.
"""

from __future__ import annotations

import re

ID_PARAMETER = re.compile(r"^(id|pk|.*_id)$")


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _resource(path: str) -> str:
    """/api/v1/issues/{id}/updates/ -> "Issue" (the first collection after the version)."""
    segments = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    name = segments[2] if len(segments) > 2 else segments[-1]
    return _camel(name[:-1] if name.endswith("s") else name)


def _enum_component(components: dict, name: str, schema: dict) -> dict:
    values = sorted(map(str, schema["enum"]))
    for existing_name, existing in components.items():
        if (
            "enum" in existing
            and sorted(map(str, existing["enum"])) == values
            and existing.get("type") == schema.get("type")
        ):
            return {"$ref": f"#/components/schemas/{existing_name}"}
    component = {key: value for key, value in schema.items() if key in ("type", "enum")}
    components[name] = component
    return {"$ref": f"#/components/schemas/{name}"}


def postprocess_for_generated_clients(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)  # a human label, and the source of non-ASCII class names
                if parameter["in"] == "path" and ID_PARAMETER.match(parameter["name"]):
                    parameter["schema"] = {"type": "integer", "minimum": 1}
                elif "enum" in schema:
                    name = f"{_resource(path)}{_camel(parameter['name'])}FilterEnum"
                    parameter["schema"] = _enum_component(components, name, schema)
                elif schema.get("type") == "array" and "enum" in schema.get("items", {}):
                    name = f"{_resource(path)}{_camel(parameter['name'])}FilterEnum"
                    schema["items"] = _enum_component(components, name, schema["items"])
    not_ascii = [name for name in components if not name.isascii()]
    assert not not_ascii, f"non-ASCII component names: {not_ascii}"
    return result
