namespace MetalCore.Chat.Templates.Syntax;

/// <summary>
/// The variable names a piece of template reads. jinja2 looks for <c>varargs</c>, <c>kwargs</c> and
/// <c>caller</c> in a macro body to decide whether the macro accepts extra arguments and a caller.
/// </summary>
internal static class NameReferences
{
    public static HashSet<string> In(IEnumerable<Statement> statements)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in statements)
        {
            Visit(statement, names);
        }
        return names;
    }

    private static void Visit(Statement statement, HashSet<string> names)
    {
        StackGuard.Ensure(statement.Location);
        switch (statement)
        {
            case OutputStatement s:
                Visit(s.Expression, names);
                break;
            case IfStatement s:
                foreach (var branch in s.Branches)
                {
                    Visit(branch.Test, names);
                    VisitAll(branch.Body, names);
                }
                VisitAll(s.Else, names);
                break;
            case ForStatement s:
                Visit(s.Iterable, names);
                Visit(s.Filter, names);
                VisitAll(s.Body, names);
                VisitAll(s.Else, names);
                break;
            case SetStatement s:
                Visit(s.Value, names);
                break;
            case SetBlockStatement s:
                Visit(s.Filter, names);
                VisitAll(s.Body, names);
                break;
            case MacroStatement s:
                foreach (var parameter in s.Parameters)
                {
                    Visit(parameter.Default, names);
                }
                VisitAll(s.Body, names);
                break;
            case CallBlockStatement s:
                Visit(s.Call, names);
                VisitAll(s.Body, names);
                break;
            case FilterBlockStatement s:
                Visit(s.Filter, names);
                VisitAll(s.Body, names);
                break;
            case WithStatement s:
                foreach (var (_, value) in s.Assignments)
                {
                    Visit(value, names);
                }
                VisitAll(s.Body, names);
                break;
            case GenerationStatement s:
                VisitAll(s.Body, names);
                break;
        }
    }

    private static void VisitAll(IEnumerable<Statement> statements, HashSet<string> names)
    {
        foreach (var statement in statements)
        {
            Visit(statement, names);
        }
    }

    private static void Visit(Expression? expression, HashSet<string> names)
    {
        StackGuard.Ensure(expression?.Location);
        switch (expression)
        {
            case NameExpression e:
                names.Add(e.Name);
                break;
            case ListExpression e:
                VisitEach(e.Items, names);
                break;
            case TupleExpression e:
                VisitEach(e.Items, names);
                break;
            case DictExpression e:
                foreach (var (key, value) in e.Entries)
                {
                    Visit(key, names);
                    Visit(value, names);
                }
                break;
            case AttributeExpression e:
                Visit(e.Target, names);
                break;
            case ItemExpression e:
                Visit(e.Target, names);
                Visit(e.Index, names);
                break;
            case SliceExpression e:
                Visit(e.Start, names);
                Visit(e.Stop, names);
                Visit(e.Step, names);
                break;
            case CallExpression e:
                Visit(e.Callee, names);
                Visit(e.Arguments, names);
                break;
            case FilterExpression e:
                Visit(e.Target, names);
                Visit(e.Arguments, names);
                break;
            case TestExpression e:
                Visit(e.Target, names);
                Visit(e.Arguments, names);
                break;
            case BinaryExpression e:
                Visit(e.Left, names);
                Visit(e.Right, names);
                break;
            case ConcatExpression e:
                VisitEach(e.Operands, names);
                break;
            case SignExpression e:
                Visit(e.Operand, names);
                break;
            case NotExpression e:
                Visit(e.Operand, names);
                break;
            case LogicalExpression e:
                Visit(e.Left, names);
                Visit(e.Right, names);
                break;
            case CompareExpression e:
                Visit(e.First, names);
                foreach (var (_, operand) in e.Links)
                {
                    Visit(operand, names);
                }
                break;
            case ConditionalExpression e:
                Visit(e.Test, names);
                Visit(e.Then, names);
                Visit(e.Otherwise, names);
                break;
        }
    }

    private static void VisitEach(IEnumerable<Expression> expressions, HashSet<string> names)
    {
        foreach (var expression in expressions)
        {
            Visit(expression, names);
        }
    }

    private static void Visit(CallArguments arguments, HashSet<string> names)
    {
        VisitEach(arguments.Positional, names);
        foreach (var (_, value) in arguments.Keyword)
        {
            Visit(value, names);
        }
        Visit(arguments.ExtraPositional, names);
        Visit(arguments.ExtraKeyword, names);
    }
}
