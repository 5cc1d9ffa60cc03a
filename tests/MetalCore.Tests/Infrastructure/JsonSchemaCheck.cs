using System.Text.Json;

namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// Checks a JSON document against the subset of JSON Schema the repository's schemas use:
/// type (one or several), const, enum, properties, required, additionalProperties (false or a
/// schema), items, oneOf, and local $ref ("#/$defs/name"). Returns every violation with its path.
/// </summary>
public static class JsonSchemaCheck
{
    public static IReadOnlyList<string> Errors(JsonElement schema, JsonElement document)
    {
        var errors = new List<string>();
        Check(schema, schema, document, "$", errors);
        return errors;
    }

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!["#/$defs/".Length..];
            Check(root, root.GetProperty("$defs").GetProperty(name), value, path, errors);
            return;
        }
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matching = oneOf.EnumerateArray().Count(option =>
            {
                var inner = new List<string>();
                Check(root, option, value, path, inner);
                return inner.Count == 0;
            });
            if (matching != 1)
            {
                errors.Add($"{path}: matches {matching} of the oneOf alternatives, expected exactly 1");
            }
            return;
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            if (!allowed.Any(t => IsOfType(value, t)))
            {
                errors.Add($"{path}: {value.ValueKind} is not {string.Join(" or ", allowed)}");
                return;
            }
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: {value} is not the constant {constant}");
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            errors.Add($"{path}: {value} is not one of {values}");
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(root, schema, value, path, errors);
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(root, items, item, $"{path}[{i++}]", errors);
            }
        }
    }

    private static void CheckObject(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: required property '{name}' is missing");
                }
            }
        }
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(root, propertySchema, property.Value, $"{path}.{property.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}: property '{property.Name}' is not in the schema");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Check(root, additional, property.Value, $"{path}.{property.Name}", errors);
                }
            }
        }
    }

    private static bool IsOfType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new ArgumentException($"schema type '{type}' is not supported by this checker"),
    };
}
