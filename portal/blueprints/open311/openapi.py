"""The OpenAPI 3 description of the Open311 GeoReport v2 server, served at /open311/v2/openapi.json.

It describes what the server really does (tests/test_open311*.py validate real responses against it): every
endpoint in `.json` and `.xml` (XML element names in each schema's `xml` object), the filters, the POST form
with its attributes, and the error lists. Response objects allow no undeclared properties, so a field added to
`portal/domain/open311.py` must be added here too.
"""
from portal.domain.open311 import MAX_RESULTS, SPEC_URL

JSON, XML = "application/json", "text/xml"
DATETIME = {"type": "string", "format": "date-time", "description": "W3C datetime with the +08:00 offset"}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(item: str, wrapper: str, description: str) -> dict:
    return {"type": "array", "description": description, "items": _ref(item),
            "xml": {"name": wrapper, "wrapped": True}}


def _object(name: str, properties: dict, required: list[str], description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False,
              "xml": {"name": name}}
    if description:
        schema["description"] = description
    return schema


SCHEMAS = {
    "Error": _object("error", {"code": {"type": "integer", "description": "the HTTP status"},
                               "description": {"type": "string"}}, ["code", "description"]),
    "Errors": _list("Error", "errors", "Every problem found, each with the HTTP status as its code."),
    "Endpoint": _object("endpoint", {
        "specification": {"type": "string", "enum": [SPEC_URL]}, "url": {"type": "string"},
        "changeset": DATETIME, "type": {"type": "string", "enum": ["production", "test"]},
        "formats": {"type": "array", "items": {"type": "string", "enum": [XML, JSON], "xml": {"name": "format"}},
                    "xml": {"name": "formats", "wrapped": True}},
    }, ["specification", "url", "changeset", "type", "formats"]),
    "Discovery": _object("discovery", {
        "changeset": DATETIME, "contact": {"type": "string"}, "key_service": {"type": "string"},
        "endpoints": {"type": "array", "items": _ref("Endpoint"), "xml": {"name": "endpoints", "wrapped": True}},
    }, ["changeset", "contact", "key_service", "endpoints"]),
    "Service": _object("service", {
        "service_code": {"type": "string", "description": "a leaf category's code"},
        "service_name": {"type": "string"},
        "description": {"type": "string", "description": "the category path"},
        "metadata": {"type": "boolean", "description": "always true: see the service definition"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"},
        "group": {"type": "string", "description": "the top-level category"},
    }, ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]),
    "Services": _list("Service", "services", "One service per leaf category."),
    "AttributeValue": _object("value", {"key": {"type": "string"}, "name": {"type": "string"}}, ["key", "name"]),
    "Attribute": _object("attribute", {
        "variable": {"type": "boolean"}, "code": {"type": "string"},
        "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                                "multivaluelist"]},
        "required": {"type": "boolean"}, "datatype_description": _nullable({"type": "string"}),
        "order": {"type": "integer"}, "description": {"type": "string"},
        "values": {"type": "array", "items": _ref("AttributeValue"), "xml": {"name": "values", "wrapped": True}},
    }, ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]),
    "ServiceDefinition": _object("service_definition", {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": _ref("Attribute"), "xml": {"name": "attributes", "wrapped": True}},
    }, ["service_code", "attributes"]),
    "ServiceRequest": _object("request", {
        "service_request_id": {"type": "string", "description": "the case's tracking number"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _nullable({"type": "string", "description": "the latest released reply, masked"}),
        "service_name": {"type": "string"}, "service_code": {"type": "string"},
        "description": {"type": "string", "description": "masked: no names, phones or emails"},
        "agency_responsible": _nullable({"type": "string", "description": "the lead unit (or the platform)"}),
        "service_notice": {"type": "string", "description": "the portal's finer state"},
        "requested_datetime": DATETIME, "updated_datetime": DATETIME,
        "expected_datetime": _nullable({**DATETIME, "description": "the handling deadline"}),
        "address": _nullable({"type": "string"}), "address_id": _nullable({"type": "string"}),
        "zipcode": _nullable({"type": "string"}),
        "lat": _nullable({"type": "number", "minimum": -90, "maximum": 90}),
        "long": _nullable({"type": "number", "minimum": -180, "maximum": 180}),
        "media_url": _nullable({"type": "string"}),
    }, ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url"]),
    "ServiceRequests": _list("ServiceRequest", "service_requests", f"At most {MAX_RESULTS}, newest first."),
    "CreatedRequest": _object("request", {
        "service_request_id": {"type": "string", "description": "the case's tracking number"},
        "service_notice": {"type": "string", "description": "includes the query code to pass on to the citizen"},
        "account_id": _nullable({"type": "string"}),
    }, ["service_request_id", "service_notice", "account_id"]),
    "CreatedRequests": _list("CreatedRequest", "service_requests", "The one request just created."),
    "TokenRequest": _object("request", {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
                            ["service_request_id", "token"]),
    "TokenRequests": _list("TokenRequest", "service_requests", "The request the token stands for."),
    "RequestUpdate": _object("request_update", {
        "update_id": {"type": "string"}, "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]}, "updated_datetime": DATETIME,
        "description": {"type": "string"}, "media_url": _nullable({"type": "string"}),
    }, ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]),
    "RequestUpdates": _list("RequestUpdate", "service_requests_updates", "Oldest first."),
}


def _param(name: str, where: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema or {"type": "string"}}


FORMAT = _param("format", "path", "json or xml", {"type": "string", "enum": ["json", "xml"]})
JURISDICTION = _param("jurisdiction_id", "query", "accepted and ignored: this server serves one jurisdiction")
WINDOW = [
    _param("start_date", "query", "earliest datetime (W3C); the window is at most 90 days, default the last 90"),
    _param("end_date", "query", "latest datetime (W3C)"),
    _param("page", "query", "page number (extension), from 1; requests: at most 10,000 results deep, then follow "
           "the cursor", {"type": "integer", "minimum": 1}),
    _param("page_size", "query", f"results per page (extension), 1–{MAX_RESULTS}, default {MAX_RESULTS}",
           {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}),
]


def _content(schema: str) -> dict:
    return {JSON: {"schema": _ref(schema)}, XML: {"schema": _ref(schema)}}


def _answer(description: str, schema: str) -> dict:
    return {"description": description, "content": _content(schema)}


ERRORS = {
    "400": _answer("Invalid parameters: every problem listed.", "Errors"),
    "404": _answer("Not found.", "Errors"),
    "default": _answer("Any other error, as a list of errors.", "Errors"),
}


def _get(summary: str, schema: str, parameters: list, errors: tuple[str, ...] = ("400", "404")) -> dict:
    responses = {"200": _answer(summary, schema)}
    responses.update({code: ERRORS[code] for code in errors})
    responses["default"] = ERRORS["default"]
    return {"get": {"summary": summary, "parameters": [FORMAT, JURISDICTION, *parameters], "responses": responses}}


POST_FORM = {
    "type": "object",
    "required": ["api_key", "service_code", "description", "phone", "attribute[county]", "attribute[publish]"],
    "properties": {
        "api_key": {"type": "string", "description": "the channel system's key: the case gets its channel"},
        "service_code": {"type": "string"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 120},
        "address_id": {"type": "string", "maxLength": 40},
        "attribute[county]": {"type": "string", "description": "a county's Region code (service definition)"},
        "attribute[town]": {"type": "string", "description": "a town in that county (optional)"},
        "attribute[publish]": {"type": "string", "enum": ["yes", "no"],
                               "description": "the citizen's consent to publish; never presumed"},
        "attribute[confidential]": {"type": "string", "enum": ["yes", "no"]},
        "description": {"type": "string", "minLength": 10, "maxLength": 4000, "description": "plain text"},
        "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "phone": {"type": "string", "description": "mainland mobile or landline with area code"},
        "email": {"type": "string"},
        "media_url": {"type": "string", "description": "http(s); kept, never fetched"},
        "device_id": {"type": "string"}, "account_id": {"type": "string"}, "jurisdiction_id": {"type": "string"},
    },
    "additionalProperties": True,
}


def document(base_url: str) -> dict:
    """The whole OpenAPI document; `base_url` is where /open311/v2 is served."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Fuyang 12345 portal — Open311 GeoReport v2",
            "version": "2.0",
            "description": ("GeoReport v2 (" + SPEC_URL + ") with the page/page_size and servicerequestupdates "
                            "extensions. service_request_id is the case's tracking number. Only cases whose "
                            "citizen consented to publication and that are not confidential are listed."),
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/discovery.{format}": _get("Service discovery", "Discovery", [], errors=()),
            "/services.{format}": _get("Services: one per leaf category", "Services", [], errors=()),
            "/services/{service_code}.{format}": _get(
                "Service definition: its attributes", "ServiceDefinition",
                [_param("service_code", "path", "a service_code from services")], errors=("404",)),
            "/requests.{format}": {
                **_get("Published service requests", "ServiceRequests", [
                    _param("service_request_id", "query", "comma list of ids; overrides every other filter"),
                    _param("service_code", "query", "comma list of service codes"),
                    _param("status", "query", "open, closed or open,closed"),
                    *WINDOW,
                    _param("after", "query", "opaque cursor (extension): the page after it, at any depth; take it "
                           "from the Link rel=\"next\" header of the previous answer")]),
                "post": {
                    "summary": "File a service request (a case in the portal's intake)",
                    "parameters": [FORMAT],
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": POST_FORM}}},
                    "responses": {
                        "201": _answer("Created: the tracking number and a notice with the query code.",
                                       "CreatedRequests"),
                        "400": ERRORS["400"],
                        "403": _answer("api_key missing, unknown or revoked.", "Errors"),
                        "429": _answer("Too many requests with this key.", "Errors"),
                        "default": ERRORS["default"],
                    },
                },
            },
            "/requests/{service_request_id}.{format}": _get(
                "One published request (a list holding it)", "ServiceRequests",
                [_param("service_request_id", "path", "the tracking number")], errors=("404",)),
            "/tokens/{token}.{format}": _get(
                "Token lookup (requests are realtime: a token is only ever an id)", "TokenRequests",
                [_param("token", "path", "token")], errors=("404",)),
            "/servicerequestupdates.{format}": _get(
                "Public updates of published requests (accepted, assigned, reply released…)", "RequestUpdates",
                WINDOW),
        },
        "components": {"schemas": SCHEMAS},
    }
