#!/usr/bin/env python3
"""Render small Jinja snippets, one language feature each, with the reference renderer.

The fixture chat templates exercise only part of what chat templates in the wild use; these
snippets cover the rest of the Jinja subset our interpreter implements (whitespace control,
loops, macros, filters, tests, str/dict/list methods, operators, Python's printing of values,
tojson, errors), each rendered by jinja2 in the environment Hugging Face builds for
apply_chat_template (render_chat_templates.hf_environment). The output, features.json, holds
every snippet with its variables and jinja2's output or exception; the C# tests replay them.

Usage: render_jinja_features.py [--output FILE]
Requires Python 3.11+ and jinja2 (>= 3.1).
"""

import argparse
import json
import sys
from pathlib import Path

import jinja2

from render_chat_templates import DEFAULT_OUTPUT, FIXED_NOW, hf_environment

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi there"},
    {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
    {"role": "user", "content": "  Bye \n"},
]
DATA = {
    "messages": MESSAGES,
    "text": "  Hello, World! Ünïcödé 👋\t\n",
    "n": 7,
    "f": 2.5,
    "items": [3, 1, 2],
    "words": ["pear", "Apple", "fig", "apple"],
    "d": {"b": 2, "a": 1, "c": None},
    "people": [{"name": "Ann", "age": 31, "tags": ["x"]}, {"name": "bob", "age": 25}, {"name": "Cy", "age": 31}],
    "empty": [],
    "nested": {"k": [1, {"x": [True, False, None]}], "s": "q\"uote'"},
}

# (name, template); every snippet renders with DATA as its variables.
SNIPPETS = [
    # Whitespace control under trim_blocks and lstrip_blocks.
    ("ws_trim_blocks", "{% if true %}\nA\n{% endif %}\nB"),
    ("ws_lstrip_blocks", "x\n    {% if true %}\n    y\n    {% endif %}\nz"),
    ("ws_lstrip_disabled_by_plus", "x\n    {%+ if true %}y{% endif %}\n"),
    ("ws_trim_disabled_by_plus", "{% if true +%}\nA{% endif %}"),
    ("ws_minus_both_sides", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c"),
    ("ws_variable_minus", "a \n {{- 'x' -}} \n b"),
    ("ws_variable_not_lstripped", "a\n    {{ 'x' }}\n"),
    ("ws_comment_lstrip_trim", "a\n    {# note #}\nb"),
    ("ws_comment_minus", "a   {#- note -#}   b"),
    ("ws_tag_after_text_on_line", "a {% if true %}b{% endif %}\nc"),
    ("ws_crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\r\n"),
    ("ws_trailing_newline_dropped", "a\n"),
    ("ws_two_trailing_newlines", "a\n\n"),
    ("ws_raw", "{% raw %}{{ not parsed }} {% if %}{% endraw %}!"),
    ("ws_raw_minus", "a  {%- raw -%}  b  {%- endraw -%}  c"),
    ("ws_set_block_trim", "{% set x %}\n  inner\n{% endset %}[{{ x }}]"),
    # Literals and printing (Python's str/repr).
    ("print_values", "{{ none }} {{ true }} {{ 1 }} {{ -0.0 }} {{ 1.5e10 }} {{ 1e22 }} {{ 0.1 + 0.2 }} {{ 1/3 }}"),
    ("print_containers", "{{ [1, 'a', none, true, 2.0] }} {{ (1,) }} {{ () }} {{ {'a': [1], 'b': {'c': 'd'}} }}"),
    ("print_data", "{{ nested }} {{ d }} {{ d.keys() }} {{ d.values() }} {{ d.items() }}"),
    ("print_quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\'\"', 'tab\\t', 'nl\\n', '\\x01', 'é', '\\u200b'] }}"),
    ("print_range", "{{ range(3) }} {{ range(1, 10, 2) }} {{ range(3) | list }}"),
    ("print_undefined", "[{{ missing }}][{{ d.missing }}][{{ messages[9] }}]"),
    ("string_escapes", "{{ 'a\\nb\\tc\\\\d\\'e\\x41\\u00e9\\U0001F600' }}"),
    ("string_concat_adjacent", "{{ 'a' 'b' \"c\" }}"),
    ("numbers_literals", "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_0.5 }} {{ 12e-3 }}"),
    # Operators.
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 3 ** 2 }}"),
    ("arithmetic_float", "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 2.0 }} {{ true + 1 }} {{ 10 / 4 * 2 }}"),
    ("arithmetic_strings", "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 'a' ~ 1 ~ none }}"),
    ("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ not 1 == 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"),
    ("filters_bind_tight", "{{ 'a' + text | trim }} {{ -n | abs }} {{ items | length + 1 }}"),
    ("logic_returns_operands", "{{ none or 'x' }} {{ 0 and 'y' }} {{ 'a' and 'b' }} {{ '' or [] }}"),
    ("comparisons", "{{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 'a' != 'a' }} {{ (1, 2) == (1, 2) }} {{ [1] == (1,) }}"),
    ("membership", "{{ 'ell' in 'hello' }} {{ 2 in items }} {{ 'a' in d }} {{ 'z' not in d }} {{ 1 in [1.0] }}"),
    ("conditional_expression", "{{ 'y' if n > 5 else 'n' }} [{{ 'y' if false }}] {{ 'a' if false else 'b' if true else 'c' }}"),
    ("subscripts", "{{ items[0] }} {{ items[-1] }} {{ text[2] }} {{ d['a'] }} {{ messages[1]['role'] }} {{ messages[1].content }}"),
    ("slices", "{{ items[1:] }} {{ items[:-1] }} {{ items[::-1] }} {{ items[::2] }} {{ 'abcdef'[1:4] }} {{ 'abcdef'[::-2] }} {{ items[5:] }}"),
    ("slices_unicode", "{{ text[2:9] }} {{ text[-3:] | length }} {{ 'héllo👋x'[-2:] }}"),
    # Statements.
    ("for_loop_variables",
     "{% for x in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
     "{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
    ("for_loop_neighbours", "{% for x in items %}{{ loop.previtem }}-{{ x }}-{{ loop.nextitem }};{% endfor %}"),
    ("for_loop_cycle_changed", "{% for x in [1, 1, 2] %}{{ loop.cycle('a', 'b') }}{{ loop.changed(x) }} {% endfor %}"),
    ("for_else", "{% for x in empty %}x{% else %}none{% endfor %}"),
    ("for_filter", "{% for x in items if x > 1 %}{{ x }}{{ loop.index }}{{ loop.length }} {% endfor %}"),
    ("for_unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}"),
    ("for_dict_iterates_keys", "{% for k in d %}{{ k }}{% endfor %}"),
    ("for_string", "{% for c in 'héy' %}[{{ c }}]{% endfor %}"),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("for_scope_does_not_leak", "{% set x = 1 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}"),
    ("namespace_carries_out_of_loop", "{% set ns = namespace(total=0, seen='') %}{% for i in items %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }} {{ ns }}"),
    ("if_elif_else", "{% for x in [1, 2, 3] %}{% if x == 1 %}a{% elif x == 2 %}b{% else %}c{% endif %}{% endfor %}"),
    ("if_scope_leaks", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}"),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}"),
    ("set_block_filter", "{% set x | upper %}abc{% endset %}{{ x }}"),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"),
    ("filter_block", "{% filter upper %}hello {{ 'x' }}{% endfilter %}"),
    ("macro_defaults_and_keywords", "{% macro m(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, c=3) }} {{ m(a=2, b=0) }}"),
    ("macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}"),
    ("macro_missing_argument", "{% macro m(a, b) %}[{{ b }}]{% endmacro %}{{ m(1) }}"),
    ("macro_caller", "{% macro box() %}<{{ caller() }}>{% endmacro %}{% call box() %}inside{% endcall %}"),
    ("macro_caller_arguments", "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each(items) %}({{ v }}){% endcall %}"),
    ("macro_sees_outer_at_call", "{% macro m() %}{{ v }}{% endmacro %}{% set v = 'late' %}{{ m() }}"),
    ("macro_returns_string", "{% macro m() %} x {% endmacro %}{{ m() | trim }}{{ m() | length }}"),
    ("generation_tag", "{% generation %}assistant text{% endgeneration %}"),
    # Filters.
    ("filter_trim_upper_lower", "[{{ text | trim }}][{{ text | upper }}][{{ 'ÀB' | lower }}][{{ 'xxhixx' | trim('x') }}]"),
    ("filter_capitalize_title", "{{ 'hELLO wORLD' | capitalize }} {{ \"they're bill's friends\" | title }} {{ 'a-b_c d' | title }}"),
    ("filter_replace", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }}"),
    ("filter_length_count", "{{ text | length }} {{ d | length }} {{ items | count }} {{ 'héllo' | length }}"),
    ("filter_join", "{{ items | join(', ') }} {{ people | join('/', attribute='name') }} {{ 'abc' | join('.') }} {{ [1, none, 'x'] | join }}"),
    ("filter_first_last", "{{ items | first }} {{ items | last }} {{ 'abc' | first }} [{{ empty | first }}]"),
    ("filter_default", "{{ missing | default('dflt') }} {{ none | default('x') }} {{ none | default('x', true) }} {{ '' | d('e', boolean=true) }}"),
    ("filter_list_string", "{{ 'abc' | list }} {{ d | list }} {{ 5 | string }} {{ none | string }} {{ items | string }}"),
    ("filter_int_float", "{{ '42' | int }} {{ 'x' | int }} {{ '3.9' | int }} {{ 3.9 | int }} {{ '0x1A' | int(base=16) }} {{ '2.5' | float }} {{ 'x' | float(1.5) }} {{ 4 | float }}"),
    ("filter_abs_round", "{{ -3 | abs }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.7 | round(0, 'floor') }} {{ 2.1 | round(0, 'ceil') }} {{ -1.5 | round }}"),
    ("filter_sum_min_max", "{{ items | sum }} {{ items | sum(start=10) }} {{ people | sum(attribute='age') }} {{ items | min }} {{ words | max }} {{ words | min(case_sensitive=true) }} {{ people | max(attribute='age') }}"),
    ("filter_sort", "{{ items | sort }} {{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ items | sort(reverse=true) }} {{ people | sort(attribute='age') | map(attribute='name') | list }}"),
    ("filter_sort_stable", "{{ people | sort(attribute='age', reverse=true) | map(attribute='name') | join(',') }} {{ [3, 1, 2, 1.0, true, 5, 4] | sort }} {{ [5, 4, 3, 3, 1] | sort }} {{ {'x': 1, 'y': 0, 'z': 1} | dictsort(by='value', reverse=true) }}"),
    ("error_sort_mixed_later", "{{ [3, 2, 1, 'a', 0] | sort }}"),
    ("filter_sort_multiple_attributes", "{{ people | sort(attribute='age,name') | map(attribute='name') | join(',') }}"),
    ("filter_unique", "{{ words | unique | list }} {{ words | unique(case_sensitive=true) | list }} {{ [1, 1.0, true, 2] | unique | list }}"),
    ("filter_reverse", "{{ items | reverse | list }} {{ 'abc' | reverse }}"),
    ("filter_map", "{{ people | map(attribute='name') | list }} {{ words | map('upper') | list }} {{ people | map(attribute='tags', default=[]) | list }}"),
    ("filter_select_reject", "{{ items | select('odd') | list }} {{ items | reject('odd') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ items | select('greaterthan', 1) | list }}"),
    ("filter_selectattr", "{{ people | selectattr('age', 'equalto', 31) | map(attribute='name') | list }} {{ messages | selectattr('tool_calls') | list | length }} {{ people | rejectattr('tags') | map(attribute='name') | list }} {{ messages | selectattr('role', 'in', ['user']) | list | length }}"),
    ("filter_dictsort", "{{ d | dictsort }} {{ d | dictsort(reverse=true) }} {{ {'b': 1, 'a': 2} | dictsort(by='value') }}"),
    ("filter_items", "{{ d | items | list }} {% for k, v in messages[2].tool_calls[0].function.arguments | items %}{{ k }}{{ v }}{% endfor %}"),
    ("filter_batch_slice", "{{ range(7) | batch(3) | list }} {{ range(7) | batch(3, 'x') | list }} {{ range(7) | slice(3) | list }}"),
    ("filter_center_indent", "[{{ 'ab' | center(7) }}] {{ 'a\\nb\\n\\nc' | indent }} {{ 'a\\nb' | indent(2, true) }} {{ 'a\\n\\nb' | indent('> ', blank=true) }}"),
    ("filter_wordcount", "{{ 'one two  three\\tfour' | wordcount }} {{ text | wordcount }}"),
    ("filter_escape_safe", "{{ '<a href=\"x\">&\\'</a>' | e }} {{ '<b>' | safe }} {{ ('<b>' | safe) + '<i>' }} {{ '<x>' | escape | escape }} {{ '<x>' | forceescape }}"),
    ("filter_format", "{{ '%s is %d years, %.2f%%' | format('Ann', 31, 99.5) }} {{ '%5s|%-5s|%05d|%x|%r' | format('a', 'b', 42, 255, 'q') }} {{ '%(a)s-%(b)s' | format(a=1, b=2) }}"),
    ("percent_operator", "{{ '%s and %s' % ('a', 'b') }} {{ '%d%%' % 50 }} {{ '%s' % none }} {{ '%.3e' % 12345.678 }} {{ '%g' % 0.0001 }} {{ '%+d' % 5 }}"),
    ("sandbox_dunder_is_undefined", "[{{ d.__class__ }}]{{ d.__class__ is defined }}"),
    ("filter_int_bad_base_gives_default", "{{ 'zz' | int(base=40) }}"),
    ("percent_float_formats",
     "{{ '%e|%.0e|%#.0e|%E|%.2e|%e' % (0.000123456, 5.5, 5.5, 1e100, 0.125, 0.0) }} "
     "{{ '%g|%g|%g|%g|%g|%.3g|%#g|%G|%.0g|%g' % (100000, 1000000, 1.5e-5, 0.0001, 123.456, 2.675, 1.0, 1e-10, 0.5, -0.0) }} "
     "{{ '%10.3e|%-12g|%+.1e|%08.2f' % (12345.6789, 3.25, 0.05, -3.14159) }}"),
    ("filter_attr", "{{ d | attr('keys') is callable }} [{{ d | attr('a') }}]"),
    ("filter_tojson", "{{ nested | tojson }} {{ d | tojson(indent=2) }} {{ d | tojson(sort_keys=true) }} {{ 'é<>&\\'' | tojson }} {{ 'é' | tojson(ensure_ascii=true) }}"),
    ("filter_tojson_separators", "{{ nested | tojson(separators=(',', ':')) }} {{ [1, [2, {}], []] | tojson(indent=4) }} {{ {} | tojson(indent=2) }}"),
    ("filter_tojson_numbers", "{{ [1.0, 0.1, 1e20, 1e16, 123456789.123, -0.0, 2.5e-7, 100.0] | tojson }} {{ {1: 'a', none: 'b', true: 'c', 2.5: 'd'} | tojson }}"),
    ("filter_truncate_not_needed_join_nested", "{{ messages | map(attribute='role') | join('|') }}"),
    # Tests.
    ("tests_types",
     "{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ 'a' is string }}{{ d is mapping }}"
     "{{ items is sequence }}{{ 'a' is sequence }}{{ d is iterable }}{{ 1 is iterable }}{{ none is none }}{{ range is callable }}"),
    ("tests_defined", "{{ missing is defined }}{{ missing is undefined }}{{ d.a is defined }}{{ d.zz is defined }}{{ d.c is none }}{{ messages[0].tool_calls is defined }}"),
    ("tests_values", "{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby(3) }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}"),
    ("tests_comparisons", "{{ 2 is eq(2) }}{{ 2 is ne(3) }}{{ 2 is gt(1) }}{{ 2 is ge(2) }}{{ 2 is lt(1) }}{{ 2 is le(2) }}{{ 2 is in([1, 2]) }}{{ 2 is sameas(2) }}{{ 'upper' is filter }}{{ 'odd' is test }}"),
    ("tests_negated", "{{ 1 is not string }} {{ not 1 is string }} {{ missing is not defined }}"),
    # str methods.
    ("str_strip_family", "[{{ text.strip() }}][{{ text.lstrip() }}][{{ text.rstrip() }}][{{ 'xxaxx'.strip('x') }}][{{ '\\n\\nhi\\n'.lstrip('\\n') }}]"),
    ("str_split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'l1\\nl2\\r\\nl3'.splitlines() }}"),
    ("str_affixes", "{{ text.startswith('  He') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.startswith('b', 1) }} {{ 'abc'.removeprefix('a') }} {{ 'abc'.removesuffix('c') }}"),
    ("str_case", "{{ 'hello world'.title() }} {{ 'straße'.lower() }} {{ 'AbC'.swapcase() }} {{ 'hello'.capitalize() }} {{ 'ΑΒΓ'.lower() }} {{ 'ǅ'.lower() }}"),
    ("str_find_count", "{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.index('e') }} {{ 'banana'.count('a') }} {{ 'banana'.count('an', 2) }}"),
    ("str_replace_join", "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ ', '.join(words) }} {{ ''.join(['a', 'b']) }}"),
    ("str_partition_pad", "{{ 'k=v=w'.partition('=') }} {{ 'k=v=w'.rpartition('=') }} [{{ 'a'.ljust(3) }}][{{ 'a'.rjust(3, '*') }}][{{ 'a'.center(4, '-') }}] {{ '42'.zfill(5) }} {{ '-42'.zfill(5) }}"),
    ("str_predicates", "{{ '123'.isdigit() }}{{ 'abc'.isalpha() }}{{ 'a1'.isalnum() }}{{ ' \\t'.isspace() }}{{ 'abc'.islower() }}{{ 'ABC'.isupper() }}{{ ''.isdigit() }}{{ 'é'.isascii() }}"),
    ("str_method_on_missing_attribute_chain", "{{ messages[0].content.upper() }} {{ messages[1]['content'].split()[1] }}"),
    # dict and list methods.
    ("dict_methods", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 9) }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ d.copy() }}"),
    ("dict_attribute_vs_item", "{{ {'items': 1}.items is callable }} {{ {'items': 1}['items'] }} {{ {'x': 1}.x }}"),
    ("list_methods", "{{ items.index(2) }} {{ items.count(3) }} {{ [1, 2] + items.copy() }}"),
    ("dict_literal_and_global", "{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }} {{ {'a': 1, 'a': 2} }} {{ dict(d, z=0) }}"),
    ("range_global", "{{ range(5) | list }} {{ range(5, 0, -2) | list }} {{ range(0) | list }} {% for i in range(2, 4) %}{{ i }}{% endfor %}"),
    ("namespace_global", "{% set ns = namespace(a=1) %}{% set ns.b = ns.a + 1 %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}"),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %j %p %I %y %e %%') }}"),
    ("loop_over_messages_with_tool_calls",
     "{% for m in messages %}{% if m.tool_calls %}{% for c in m.tool_calls %}{{ c.function.name }}({{ c.function.arguments | tojson }}){% endfor %}"
     "{% else %}{{ m.role }}:{{ m.content | trim }};{% endif %}{% endfor %}"),
    # Errors: jinja2's exception and message.
    ("error_raise_exception", "{{ raise_exception('custom failure: ' ~ n) }}"),
    ("error_undefined_attribute", "{{ missing.attr }}"),
    ("error_undefined_call", "{{ missing() }}"),
    ("error_undefined_arithmetic", "{{ missing + 1 }}"),
    ("error_undefined_item_of_item", "{{ d.zz.yy }}"),
    ("error_list_index_of_undefined", "{{ messages[10].role }}"),
    ("error_concat_types", "{{ 'a' + 1 }}"),
    ("error_add_types", "{{ 1 + 'a' }}"),
    ("error_division_by_zero", "{{ 1 / 0 }}"),
    ("error_modulo_by_zero", "{{ 1 % 0 }}"),
    ("error_not_callable", "{{ n() }}"),
    ("error_compare_types", "{{ 1 < 'a' }}"),
    ("error_unpack", "{% for a, b in items %}{% endfor %}"),
    ("error_sandbox_list_append", "{{ items.append(4) }}"),
    ("error_sandbox_dict_update", "{{ d.update({'x': 1}) }}"),
    ("error_str_index", "{{ 'abc'.index('z') }}"),
    ("error_tojson_undefined", "{{ missing | tojson }}"),
    ("error_macro_too_many_arguments", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
    ("error_macro_unknown_keyword", "{% macro m(a) %}{% endmacro %}{{ m(b=1) }}"),
    ("error_join_non_strings_concat", "{{ ', '.join([1, 2]) }}"),
    ("error_sort_mixed", "{{ [1, 'a'] | sort }}"),
    ("error_unhashable_unique", "{{ [[1], [1]] | unique | list }}"),
    ("error_namespace_assign_non_namespace", "{% set x = 1 %}{% set x.a = 2 %}"),
    ("error_syntax_unclosed_if", "{% if true %}x"),
    ("error_syntax_unknown_tag", "{% frobnicate %}"),
    ("error_syntax_endfor_without_for", "{% endfor %}"),
    ("error_syntax_unknown_filter", "{{ x | nosuchfilter }}"),
    ("error_syntax_unknown_test", "{{ x is nosuchtest }}"),
    ("error_syntax_unexpected_end_of_expression", "{{ 1 + }}"),
    ("error_syntax_unclosed_string", "{{ 'abc }}"),
    ("error_syntax_unclosed_comment", "{# never closed"),
    ("error_syntax_bad_assignment", "{% set 1 = 2 %}"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT / "features.json", help="file to write")
    args = parser.parse_args()

    env = hf_environment()
    names = [name for name, _ in SNIPPETS]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise SystemExit(f"duplicate snippet names: {sorted(duplicates)}")

    results = []
    for name, source in SNIPPETS:
        entry = {"name": name, "template": source}
        try:
            entry["output"] = env.from_string(source).render(**DATA)
        except Exception as error:  # every exception is an expectation: the test checks ours matches
            entry["error"] = {"type": type(error).__name__, "message": str(error)}
        results.append(entry)

    document = {
        "renderer": f"jinja2 {jinja2.__version__} (Hugging Face's chat-template environment reproduced)",
        "python": sys.version.split()[0],
        "now": FIXED_NOW.isoformat(),
        "variables": DATA,
        "snippets": results,
    }
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for r in results if "error" in r)
    print(f"{document['renderer']}: {len(results)} snippets ({errors} raising) written to {args.output}")


if __name__ == "__main__":
    main()
