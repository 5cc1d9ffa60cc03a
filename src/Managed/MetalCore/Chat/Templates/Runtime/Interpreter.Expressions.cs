using System.Text;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Library;
using MetalCore.Chat.Templates.Syntax;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>Expression evaluation: Python semantics for operators, jinja2's for names, filters and tests.</summary>
internal sealed partial class Interpreter
{
    private TemplateValue Evaluate(Expression expression, Scope scope)
    {
        try
        {
            StackGuard.Ensure();
            return expression switch
            {
                LiteralExpression literal => literal.Value,
                NameExpression name => scope.Lookup(name.Name),
                ListExpression list => new ListValue([.. list.Items.Select(item => Evaluate(item, scope))]),
                TupleExpression tuple => new ListValue([.. tuple.Items.Select(item => Evaluate(item, scope))], SequenceKind.Tuple),
                DictExpression dict => EvaluateDict(dict, scope),
                AttributeExpression attribute => MemberAccess.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name),
                ItemExpression { Index: SliceExpression slice } item => Slicing.Apply(
                    Evaluate(item.Target, scope), EvaluateOptional(slice.Start, scope), EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope)),
                ItemExpression item => MemberAccess.GetItem(Evaluate(item.Target, scope), Evaluate(item.Index, scope)),
                CallExpression call => EvaluateCall(call, scope, caller: null),
                FilterExpression filter => EvaluateFilter(filter, scope, blockInput: null),
                TestExpression test => BooleanValue.Of(TestLibrary.Apply(test.Name, Evaluate(test.Target, scope), EvaluateArguments(test.Arguments, scope))),
                BinaryExpression binary => Arithmetic.Apply(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope)),
                ConcatExpression concat => EvaluateConcat(concat, scope),
                SignExpression sign => Arithmetic.Sign(sign.Negate, Evaluate(sign.Operand, scope)),
                NotExpression not => BooleanValue.Of(!Evaluate(not.Operand, scope).IsTruthy),
                LogicalExpression logical => EvaluateLogical(logical, scope),
                CompareExpression compare => EvaluateCompare(compare, scope),
                ConditionalExpression conditional => EvaluateConditional(conditional, scope),
                SliceExpression => throw TemplateError.Unsupported("slice objects outside a subscript are not supported"),
                _ => throw new InvalidOperationException($"Unknown expression {expression.GetType().Name}."),
            };
        }
        catch (TemplateError error) when (error.Location is null)
        {
            error.Location = expression.Location;
            throw;
        }
    }

    private TemplateValue? EvaluateOptional(Expression? expression, Scope scope) =>
        expression is null ? null : Evaluate(expression, scope);

    private DictValue EvaluateDict(DictExpression expression, Scope scope)
    {
        var dict = new DictValue();
        foreach (var (key, value) in expression.Entries)
        {
            dict.Set(Evaluate(key, scope), Evaluate(value, scope));
        }
        return dict;
    }

    /// <summary>Calls a function, method or macro; a call block passes its body as <c>caller</c>.</summary>
    private TemplateValue EvaluateCall(CallExpression call, Scope scope, CallableValue? caller)
    {
        var function = Evaluate(call.Callee, scope);
        var arguments = EvaluateArguments(call.Arguments, scope);
        if (caller is not null)
        {
            arguments = new Arguments(arguments.Positional, [.. arguments.Named, new("caller", caller)]);
        }
        return function switch
        {
            CallableValue callable => callable.Invoke(arguments),
            UndefinedValue undefined => throw undefined.Failure(),
            _ => throw TemplateError.Type($"'{function.TypeName}' object is not callable"),
        };
    }

    /// <summary>
    /// Applies a filter to its target, or for a <c>{% filter %}</c> block or block <c>set</c> (whose
    /// chain starts without a target) to the rendered body.
    /// </summary>
    private TemplateValue EvaluateFilter(FilterExpression filter, Scope scope, TemplateValue? blockInput)
    {
        var input = filter.Target switch
        {
            null => blockInput ?? throw new InvalidOperationException("A filter block needs its rendered body."),
            FilterExpression inner when blockInput is not null => EvaluateFilter(inner, scope, blockInput),
            var target => Evaluate(target, scope),
        };
        return FilterLibrary.Apply(filter.Name, input, EvaluateArguments(filter.Arguments, scope));
    }

    private Arguments EvaluateArguments(CallArguments arguments, Scope scope)
    {
        if (arguments == CallArguments.None)
        {
            return Arguments.Empty;
        }
        var positional = arguments.Positional.Select(argument => Evaluate(argument, scope)).ToList();
        var named = arguments.Keyword.Select(k => new KeyValuePair<string, TemplateValue>(k.Key, Evaluate(k.Value, scope))).ToList();
        if (arguments.ExtraPositional is { } extraPositional)
        {
            positional.AddRange(PythonObjects.Iterate(Evaluate(extraPositional, scope)));
        }
        if (arguments.ExtraKeyword is { } extraKeyword)
        {
            var mapping = Evaluate(extraKeyword, scope) as DictValue
                ?? throw TemplateError.Type("argument after ** must be a mapping");
            foreach (var (key, value) in mapping.Entries)
            {
                named.Add(new(key is StringValue s ? s.Value : throw TemplateError.Type("keywords must be strings"), value));
            }
        }
        return new Arguments(positional, named);
    }

    private StringValue EvaluateConcat(ConcatExpression concat, Scope scope)
    {
        var text = new StringBuilder();
        foreach (var operand in concat.Operands)
        {
            text.Append(PythonRepr.Str(Evaluate(operand, scope)));
        }
        return new StringValue(text.ToString());
    }

    // Python's "and"/"or" return an operand, not a bool: {{ none or 'x' }} prints x.
    private TemplateValue EvaluateLogical(LogicalExpression logical, Scope scope)
    {
        var left = Evaluate(logical.Left, scope);
        return left.IsTruthy == logical.IsAnd ? Evaluate(logical.Right, scope) : left;
    }

    private BooleanValue EvaluateCompare(CompareExpression compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operand) in compare.Links)
        {
            var right = Evaluate(operand, scope);
            if (!Compare(op, left, right))
            {
                return BooleanValue.False;
            }
            left = right;
        }
        return BooleanValue.True;
    }

    private static bool Compare(CompareOperator op, TemplateValue left, TemplateValue right) => op switch
    {
        CompareOperator.Equal => PythonObjects.AreEqual(left, right),
        CompareOperator.NotEqual => !PythonObjects.AreEqual(left, right),
        CompareOperator.In => PythonObjects.Contains(right, left),
        CompareOperator.NotIn => !PythonObjects.Contains(right, left),
        CompareOperator.Less => PythonObjects.Compare(left, right, "<") < 0,
        CompareOperator.LessOrEqual => PythonObjects.Compare(left, right, "<=") <= 0,
        CompareOperator.Greater => PythonObjects.Compare(left, right, ">") > 0,
        _ => PythonObjects.Compare(left, right, ">=") >= 0,
    };

    private TemplateValue EvaluateConditional(ConditionalExpression conditional, Scope scope)
    {
        if (Evaluate(conditional.Test, scope).IsTruthy)
        {
            return Evaluate(conditional.Then, scope);
        }
        return conditional.Otherwise is null
            ? UndefinedValue.WithHint(
                $"the inline if-expression on line {conditional.Location.Line} evaluated to false and no else section was defined.")
            : Evaluate(conditional.Otherwise, scope);
    }
}
