"""The hub's sentence for each of pydantic's validation error types
(`hub_contracts.validation_reasons` builds ``<field path>: <sentence>`` from them).

Every error type pydantic-core knows (``pydantic_core._pydantic_core.list_all_errors()``,
pydantic-core 2.41) has a sentence here, in JSON's terms: pydantic's own sentences name Python
types ("a valid dictionary or instance of PersonIn"), its parser's detail, or the input ("Input
tag 'Zara' found using 'kind'"), and only the hub's words are shown (the tenth new user's
trial: "kind: Unable to extract tag using discriminator 'kind'"). A placeholder is only ever a
value pydantic takes from the schema (`SCHEMA_CONTEXT`); a test checks both.
"""

# Context values pydantic takes from the schema (allowed tags and values, bounds, type names),
# never from the input. A reason is built from these and the field path only.
SCHEMA_CONTEXT = frozenset(
    {
        "decimal_places",
        "encoding",
        "expected",
        "expected_plural",
        "expected_schemes",
        "expected_tags",
        "expected_version",
        "ge",
        "gt",
        "le",
        "lt",
        "max_digits",
        "max_length",
        "min_length",
        "multiple_of",
        "whole_digits",
    }
)

NOT_VALID = "is not valid"
"""A type a JSON body cannot produce (a Python call's arguments, a callable, a sentinel): said
without pydantic's words."""

_OBJECT = "should be a JSON object"
_ARRAY = "should be a JSON array"
_NUMBER = "should be a number"
_DAY = "should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)"
_MOMENT = (
    "should be a moment that exists, written as an RFC 3339 date-time with an offset,"
    " e.g. 2026-03-01T09:30:00Z"
)
_TIME = "should be a time of day, written HH:MM:SS (RFC 3339 partial-time)"
_DURATION = "should be a duration, written as ISO 8601 (e.g. P1D, PT2H) or a number of seconds"
_URL = "should be an absolute URL with a scheme and a host, e.g. https://example.org/"
_REQUIRED = "is required"

SENTENCES = {
    # JSON itself, the types a JSON value has and the containers a model reads it into
    "json_invalid": "should be JSON (RFC 8259)",
    "json_type": "should be JSON text (RFC 8259)",
    "recursion_loop": "refers to itself",
    "recursion_depth_exceeded": "is nested too deeply",
    "invalid_key": "should have member names written as JSON strings",
    "missing": _REQUIRED,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "dataclass_type": _OBJECT,
    "dataclass_exact_type": _OBJECT,
    "frozen_dict_type": _OBJECT,
    "ordered_dict_type": _OBJECT,
    "counter_type": _OBJECT,
    "mapping_type": _OBJECT,
    "named_tuple_type": "should be a JSON array or object",
    "list_type": _ARRAY,
    "tuple_type": _ARRAY,
    "set_type": _ARRAY,
    "frozen_set_type": _ARRAY,
    "deque_type": _ARRAY,
    "iterable_type": _ARRAY,
    "iteration_error": _ARRAY,
    "set_item_not_hashable": "should hold only strings, numbers, true, false or null",
    "too_short": "should have at least {min_length} item{expected_plural}",
    "too_long": "should have at most {max_length} item{expected_plural}",
    "none_required": "should be null",
    # a discriminated union: the tag's field (named by `_where`) is what is wrong
    "union_tag_not_found": _REQUIRED,
    "union_tag_invalid": "should be {expected_tags}",
    # pydantic's "Input should be 'advocacy' or 'admin'": the allowed values are the schema's
    # closed codes; only "Input" goes (the fourth trial).
    "literal_error": "should be {expected}",
    "enum": "should be {expected}",
    # strings and bytes
    "string_type": "should be a JSON string",
    "string_sub_type": "should be a JSON string",
    "string_unicode": "should be a JSON string of Unicode text",
    "string_too_short": "should have at least {min_length} character{expected_plural}",
    "string_too_long": "should have at most {max_length} character{expected_plural}",
    "string_not_ascii": "should be written in ASCII characters only",
    # pydantic quotes the regular expression; the field's pattern is in the API description.
    "string_pattern_mismatch": (
        "is not written in the form this field takes (its pattern is in the API description)"
    ),
    "bytes_type": "should be a JSON string",
    "bytes_too_short": "should have at least {min_length} byte{expected_plural}",
    "bytes_too_long": "should have at most {max_length} byte{expected_plural}",
    "bytes_invalid_encoding": "should be written in {encoding}",
    # true and false, numbers; pydantic's "Input should be greater than or equal to 1" named
    # the input, the bounds are the schema's.
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_parsing_size": "should be a whole number of fewer digits",
    "int_from_float": "should be a whole number, not a decimal",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": "should be a finite number",
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": "should have at most {max_digits} digit{expected_plural} in all",
    "decimal_max_places": (
        "should have at most {decimal_places} digit{expected_plural} after the decimal point"
    ),
    "decimal_whole_digits": (
        "should have at most {whole_digits} digit{expected_plural} before the decimal point"
    ),
    "fraction_type": _NUMBER,
    "fraction_parsing": _NUMBER,
    "complex_type": _NUMBER,
    "complex_str_parsing": _NUMBER,
    "greater_than_equal": "should be {ge} or more",
    "greater_than": "should be more than {gt}",
    "less_than_equal": "should be {le} or less",
    "less_than": "should be less than {lt}",
    "multiple_of": "should be a multiple of {multiple_of}",
    # days, moments, times and durations. "a valid date or datetime" said neither the format
    # nor that the day does not exist (2026-02-30); the parser's detail is left out (the fourth
    # trial).
    "date_type": "should be a day, written YYYY-MM-DD (RFC 3339 full-date)",
    "date_parsing": _DAY,
    "date_from_datetime_parsing": _DAY,
    "date_from_datetime_inexact": (
        "should be a day without a time of day, written YYYY-MM-DD (RFC 3339 full-date)"
    ),
    "date_past": "should be a day in the past",
    "date_future": "should be a day in the future",
    "datetime_type": "should be a moment, written as an RFC 3339 date-time with an offset",
    "datetime_parsing": _MOMENT,
    "datetime_from_date_parsing": _MOMENT,
    "datetime_object_invalid": _MOMENT,
    "datetime_past": "should be a moment in the past",
    "datetime_future": "should be a moment in the future",
    "timezone_naive": "should be a moment written without an offset",
    "timezone_aware": "should be a moment written with an offset (RFC 3339: Z or +01:00)",
    "timezone_offset": "should be a moment written with the offset this field takes",
    "time_type": _TIME,
    "time_parsing": _TIME,
    "time_delta_type": _DURATION,
    "time_delta_parsing": _DURATION,
    # URLs: what a URL needs is RFC 3986's; the parser's detail is left out (the fifth trial).
    "url_type": "should be a URL written as a JSON string",
    "url_parsing": _URL,
    "url_syntax_violation": _URL,
    "url_scheme": "should be a URL whose scheme is {expected_schemes}",
    "url_too_long": "should be a URL of at most {max_length} character{expected_plural}",
    # UUIDs (RFC 9562), and an id read over HTTP (`hub_contracts.ids`): one spelling each.
    "uuid_type": "should be a UUID written as text (RFC 9562)",
    "uuid_parsing": "should be a UUID (RFC 9562), 32 hexadecimal digits in groups of 8-4-4-4-12",
    "uuid_version": "should be a UUID of version {expected_version} (RFC 9562)",
    "uuid_not_canonical": (
        "should be a UUID in its canonical form (RFC 9562): 32 lower-case hexadecimal digits in"
        " groups of 8-4-4-4-12 joined by hyphens, without braces or a urn:uuid: prefix"
    ),
    # a model's fields that cannot be set, and a function's arguments (validate_call)
    "frozen_field": "cannot be changed",
    "frozen_instance": "cannot be changed",
    "no_such_attribute": "is not a field of this object",
    "missing_argument": _REQUIRED,
    "missing_keyword_only_argument": _REQUIRED,
    "missing_positional_only_argument": _REQUIRED,
    "multiple_argument_values": "is given more than once",
    "unexpected_positional_argument": "is one value too many",
    "arguments_type": "should be a JSON array or object",
    # nothing a JSON value can cause: a Python object's attribute, a callable, a class, a
    # sentinel, a default computed from fields that failed
    "needs_python_object": NOT_VALID,
    "get_attribute_error": NOT_VALID,
    "default_factory_not_called": NOT_VALID,
    "is_instance_of": NOT_VALID,
    "is_subclass_of": NOT_VALID,
    "callable_type": NOT_VALID,
    "missing_sentinel_error": NOT_VALID,
    "ellipsis_error": NOT_VALID,
}
"""pydantic's error type -> the hub's sentence (what is expected, never what was sent)."""
