#!/usr/bin/env python3
"""Render the shared chat-template fixtures with the reference renderer.

The reference is Hugging Face transformers' own chat-template renderer
(transformers.utils.chat_template_utils.render_jinja_template). Where transformers is not
installed, the script builds the same Jinja environment with plain jinja2:
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
extension and HF's `generation` tag, HF's `tojson` filter and the `raise_exception` and
`strftime_now` globals. The manifest records which of the two produced the files.

For every template in the fixtures folder and every conversation that applies to it, the
script writes either `<template>/<conversation>.txt` (the exact render, UTF-8) or
`<template>/<conversation>.error.json` (the exception jinja2 raised), plus `manifest.json`
holding every input, so the C# tests can replay the same renders. Output is deterministic:
`strftime_now` reads a fixed clock.

Usage: render_chat_templates.py [--fixtures DIR] [--output DIR]
Requires Python 3.11+ and jinja2 (>= 3.1); uses transformers when importable.
"""

import argparse
import datetime as _datetime
import hashlib
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "chat-templates"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "MetalCore.Tests" / "Chat" / "Expected"

# The clock strftime_now reads (a naive local time, as datetime.now() returns).
FIXED_NOW = _datetime.datetime(2024, 1, 5, 14, 3, 9, 250000)

# Special tokens of each model, from its tokenizer_config.json. None: the model has no such token,
# so Hugging Face does not pass the variable at all (it is undefined in the template).
SPECIAL_TOKENS = {
    "HuggingFaceTB-SmolLM3-3B": (None, "<|im_end|>"),
    "Qwen-Qwen2.5-7B-Instruct": (None, "<|im_end|>"),
    "Qwen-Qwen3-0.6B": (None, "<|im_end|>"),
    "Qwen3.5-4B": (None, "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "google-gemma-2-2b-it": ("<bos>", "<eos>"),
    "meta-llama-Llama-3.1-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "microsoft-Phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "mistralai-Mistral-Nemo-Instruct-2407": ("<s>", "</s>"),
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
USER = {"role": "user", "content": "What is the capital of France?"}
ASSISTANT = {"role": "assistant", "content": "The capital of France is Paris."}
FOLLOW_UP = {"role": "user", "content": "And of Germany?"}
REASONING = {
    "role": "assistant",
    "content": "<think>\nThe user asks for 2+2.\nThat is 4.\n</think>\n\nThe answer is 4.",
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location (°C by default)",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and country, e.g. São Paulo, Brazil"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
TOOL_CALL_TURNS = [
    {"role": "user", "content": "What's the weather like in São Paulo?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call12345",
                "type": "function",
                "function": {
                    "name": "get_current_weather",
                    "arguments": {"location": "São Paulo, Brazil", "unit": "celsius"},
                },
            }
        ],
    },
    {
        "role": "tool",
        "tool_call_id": "call12345",
        "name": "get_current_weather",
        "content": '{"temperature": 22.5, "condition": "sunny"}',
    },
]


def uses_tools(source):
    return "tool" in source


def uses_thinking_switch(source):
    return "enable_thinking" in source


def always(source):
    return True


# (name, applies to a template source, messages, add_generation_prompt, tools, extra variables)
CONVERSATIONS = [
    ("system_user", always, [SYSTEM, USER], True, None, {}),
    ("system_user_no_generation_prompt", always, [SYSTEM, USER], False, None, {}),
    ("user_only", always, [USER], True, None, {}),
    ("multi_turn", always, [USER, ASSISTANT, FOLLOW_UP], True, None, {}),
    ("system_multi_turn_no_generation_prompt", always,
     [SYSTEM, USER, ASSISTANT, FOLLOW_UP, {"role": "assistant", "content": "Berlin."}], False, None, {}),
    ("whitespace_and_unicode", always,
     [{"role": "user", "content": "  Héllo wörld 👋 — 你好, \"quotes\" and 'apostrophes'\t\n"}], True, None, {}),
    ("assistant_reasoning", always,
     [{"role": "user", "content": "What is 2+2?"}, REASONING, {"role": "user", "content": "And 3+3?"}], True, None, {}),
    ("assistant_reasoning_final", always, [{"role": "user", "content": "What is 2+2?"}, REASONING], False, None, {}),
    ("two_user_turns", always, [USER, FOLLOW_UP], True, None, {}),
    ("system_only", always, [SYSTEM], True, None, {}),
    ("no_messages", always, [], True, None, {}),
    ("content_parts", always,
     [{"role": "user", "content": [{"type": "text", "text": "Describe the weather."}]}], True, None, {}),
    ("enable_thinking_false", uses_thinking_switch, [USER], True, None, {"enable_thinking": False}),
    ("enable_thinking_true", uses_thinking_switch, [USER], True, None, {"enable_thinking": True}),
    ("tool_call", uses_tools, TOOL_CALL_TURNS, True, [WEATHER_TOOL], {}),
    ("tool_call_final_answer", uses_tools,
     TOOL_CALL_TURNS + [{"role": "assistant", "content": "It is 22.5 °C and sunny in São Paulo."}],
     False, [WEATHER_TOOL], {}),
]


class _FixedDatetime(_datetime.datetime):
    """datetime whose now() is FIXED_NOW: what strftime_now reads."""

    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


def transformers_renderer():
    """HF's own renderer, with its clock fixed; None when transformers is not installed."""
    try:
        import transformers
        from transformers.utils import chat_template_utils
    except ImportError:
        return None
    render = getattr(chat_template_utils, "render_jinja_template", None)
    if render is None or not hasattr(chat_template_utils, "datetime"):
        raise SystemExit(
            "transformers is installed but chat_template_utils has no render_jinja_template/datetime: "
            "update this script for transformers " + transformers.__version__
        )
    # strftime_now calls the module's datetime.now(): pin it.
    chat_template_utils.datetime = _FixedDatetime

    def run(source, messages, add_generation_prompt, tools, variables):
        rendered, _ = render(
            conversations=[messages],
            tools=tools,
            chat_template=source,
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
        return rendered[0]

    return f"transformers {transformers.__version__} (chat_template_utils.render_jinja_template)", run


def hf_environment():
    """The jinja2 environment HF builds for apply_chat_template, reproduced with plain jinja2."""
    import jinja2
    import jinja2.ext
    import jinja2.nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class GenerationTag(jinja2.ext.Extension):
        # HF's AssistantTracker: {% generation %}...{% endgeneration %} renders its body as is.
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

        def _render(self, caller):
            return caller()

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return _FixedDatetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def jinja2_renderer():
    """Renders through hf_environment() with the variables HF's render_jinja_template passes."""
    import jinja2

    env = hf_environment()

    def run(source, messages, add_generation_prompt, tools, variables):
        return env.from_string(source).render(
            messages=messages, tools=tools, documents=None, add_generation_prompt=add_generation_prompt, **variables
        )

    return f"jinja2 {jinja2.__version__} (Hugging Face's chat-template environment reproduced)", run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES, help="folder of *.jinja templates")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for expected renders")
    args = parser.parse_args()

    renderer_name, render = transformers_renderer() or jinja2_renderer()
    templates = sorted(args.fixtures.glob("*.jinja"))
    if not templates:
        raise SystemExit(f"no *.jinja templates in {args.fixtures}")
    unknown = [t.stem for t in templates if t.stem not in SPECIAL_TOKENS]
    if unknown:
        raise SystemExit(f"no special tokens known for {unknown}: add them to SPECIAL_TOKENS")

    args.output.mkdir(parents=True, exist_ok=True)
    manifest = {
        "renderer": renderer_name,
        "python": sys.version.split()[0],
        "now": FIXED_NOW.isoformat(),
        "conversations": {
            name: {
                "messages": messages,
                "add_generation_prompt": agp,
                "tools": tools,
                "variables": variables,
            }
            for name, _, messages, agp, tools, variables in CONVERSATIONS
        },
        "templates": {},
        "cases": [],
    }
    for template in templates:
        source_bytes = template.read_bytes()
        source = source_bytes.decode("utf-8")
        bos, eos = SPECIAL_TOKENS[template.stem]
        special = {k: v for k, v in (("bos_token", bos), ("eos_token", eos)) if v is not None}
        manifest["templates"][template.stem] = {
            "file": template.name,
            "sha256": hashlib.sha256(source_bytes).hexdigest(),
            **special,
        }
        folder = args.output / template.stem
        folder.mkdir(exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        for name, applies, messages, agp, tools, variables in CONVERSATIONS:
            if not applies(source):
                continue
            case = {"template": template.stem, "conversation": name}
            try:
                text = render(source, json.loads(json.dumps(messages)), agp, tools, {**special, **variables})
            except Exception as error:  # jinja2 raises TemplateError, TypeError, ...: all are expectations
                case["error"] = f"{template.stem}/{name}.error.json"
                payload = {"type": type(error).__name__, "message": str(error)}
                (args.output / case["error"]).write_text(
                    json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
            else:
                case["expected"] = f"{template.stem}/{name}.txt"
                (args.output / case["expected"]).write_bytes(text.encode("utf-8"))
            manifest["cases"].append(case)

    (args.output / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    errors = sum(1 for c in manifest["cases"] if "error" in c)
    print(f"{renderer_name}: {len(manifest['cases'])} cases ({errors} raising) written to {args.output}")


if __name__ == "__main__":
    main()
