using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// The <c>loop</c> variable of a for loop, as jinja2's <c>LoopContext</c>: it walks the (filtered)
/// items lazily and looks ahead only when <c>last</c>, <c>nextitem</c>, <c>length</c> or
/// <c>revindex</c> need it, so a loop filter sees the state the loop body left, as in jinja2.
/// </summary>
internal sealed class LoopContext(IEnumerable<TemplateValue> items) : TemplateValue
{
    private readonly IEnumerator<TemplateValue> _items = items.GetEnumerator();
    private readonly Queue<TemplateValue> _lookahead = new();
    private TemplateValue? _previous;
    private TemplateValue? _current;
    private TemplateValue? _lastChangedValue;
    private int? _length;

    public int Index0 { get; private set; } = -1;

    public TemplateValue Current => _current ?? throw new InvalidOperationException("The loop has not started.");

    public override string TypeName => "LoopContext";

    public override bool IsTruthy => true;

    public override string ObjectTypeDescription => "jinja2.runtime.LoopContext object";

    /// <summary>Moves to the next item; false at the end.</summary>
    public bool MoveNext()
    {
        if (!TryTake(out var next))
        {
            return false;
        }
        _previous = _current;
        _current = next;
        Index0++;
        return true;
    }

    private bool TryTake(out TemplateValue item)
    {
        if (_lookahead.TryDequeue(out item!))
        {
            return true;
        }
        if (_items.MoveNext())
        {
            item = _items.Current;
            return true;
        }
        return false;
    }

    private bool TryPeek(out TemplateValue item)
    {
        if (_lookahead.TryPeek(out item!))
        {
            return true;
        }
        if (_items.MoveNext())
        {
            item = _items.Current;
            _lookahead.Enqueue(item);
            return true;
        }
        return false;
    }

    private int Length
    {
        get
        {
            if (_length is null)
            {
                while (_items.MoveNext())
                {
                    _lookahead.Enqueue(_items.Current);
                }
                _length = Index0 + 1 + _lookahead.Count;
            }
            return _length.Value;
        }
    }

    /// <summary>The loop's attributes, or null for a name it does not have.</summary>
    public TemplateValue? GetAttribute(string name) => name switch
    {
        "index0" => IntegerValue.Of(Index0),
        "index" => IntegerValue.Of(Index0 + 1),
        "revindex" => IntegerValue.Of(Length - Index0),
        "revindex0" => IntegerValue.Of(Length - Index0 - 1),
        "first" => BooleanValue.Of(Index0 == 0),
        "last" => BooleanValue.Of(!TryPeek(out _)),
        "length" => IntegerValue.Of(Length),
        "depth" => IntegerValue.Of(1),
        "depth0" => IntegerValue.Of(0),
        "previtem" => _previous ?? UndefinedValue.WithHint("there is no previous item"),
        "nextitem" => TryPeek(out var next) ? next : UndefinedValue.WithHint("there is no next item"),
        "cycle" => CallableValue.Method(this, "cycle", Cycle),
        "changed" => CallableValue.Method(this, "changed", Changed),
        _ => null,
    };

    private TemplateValue Cycle(Arguments arguments)
    {
        if (arguments.Positional.Count == 0)
        {
            throw TemplateError.Type("no items for cycling given");
        }
        return arguments.Positional[Index0 % arguments.Positional.Count];
    }

    private TemplateValue Changed(Arguments arguments)
    {
        var value = new ListValue(arguments.Positional);
        if (_lastChangedValue is not null && PythonObjects.AreEqual(value, _lastChangedValue))
        {
            return BooleanValue.False;
        }
        _lastChangedValue = value;
        return BooleanValue.True;
    }

    public override string ToString() => $"<LoopContext {Index0 + 1}/{Length}>";
}
