namespace MetalCore.Chat.Templates.Lexing;

/// <summary>The kinds of token the lexer produces.</summary>
internal enum TokenKind
{
    /// <summary>Template text outside tags, after whitespace control.</summary>
    Data,

    /// <summary><c>{{</c></summary>
    VariableBegin,

    /// <summary><c>}}</c></summary>
    VariableEnd,

    /// <summary><c>{%</c></summary>
    BlockBegin,

    /// <summary><c>%}</c></summary>
    BlockEnd,

    /// <summary>An identifier, keywords included (<c>if</c>, <c>and</c>, <c>true</c>, ...).</summary>
    Name,

    /// <summary>A string literal; the token's value is the decoded string.</summary>
    String,

    /// <summary>An integer literal.</summary>
    Integer,

    /// <summary>A float literal.</summary>
    Float,

    /// <summary>An operator or punctuation: <c>+ - * / // % ** ~ == != &lt; &gt; &lt;= &gt;= = . : | , ; ( ) [ ] { }</c>.</summary>
    Operator,

    /// <summary>The end of the template.</summary>
    EndOfFile,
}
