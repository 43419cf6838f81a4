using System.Globalization;
using System.Text;

namespace AgentDispatch.Infra.Tests.Arm;

/// <summary>A parsed ARM template expression: the text between <c>[</c> and <c>]</c> of a template string.</summary>
internal abstract record ArmExpression
{
    /// <summary>
    /// True when <paramref name="text"/> is an expression (<c>[...]</c>) rather than a literal string;
    /// <c>[[...</c> is the escape for a literal that starts with a bracket.
    /// </summary>
    public static bool IsExpression(string text)
        => text.Length >= 2 && text[0] == '[' && text[^1] == ']' && text[1] != '[';

    /// <summary>Parses the expression inside <c>[...]</c>.</summary>
    public static ArmExpression Parse(string text)
    {
        if (!IsExpression(text))
        {
            throw new FormatException($"Not an ARM expression: {text}");
        }

        var parser = new Parser(text[1..^1]);
        var expression = parser.ParseExpression();
        parser.SkipWhiteSpace();
        if (!parser.AtEnd)
        {
            throw new FormatException($"Unexpected text after the expression at {parser.Position}: {text}");
        }

        return expression;
    }

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipWhiteSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public ArmExpression ParseExpression()
        {
            SkipWhiteSpace();
            var expression = ParsePrimary();
            while (true)
            {
                SkipWhiteSpace();
                if (Peek('.'))
                {
                    Position++;
                    expression = new PropertyAccess(expression, new StringLiteral(ReadIdentifier()));
                }
                else if (Peek('['))
                {
                    Position++;
                    var index = ParseExpression();
                    Expect(']');
                    expression = new PropertyAccess(expression, index);
                }
                else
                {
                    return expression;
                }
            }
        }

        private ArmExpression ParsePrimary()
        {
            if (Peek('\''))
            {
                return new StringLiteral(ReadString());
            }

            if (!AtEnd && (char.IsAsciiDigit(text[Position]) || text[Position] == '-'))
            {
                var start = Position++;
                while (!AtEnd && char.IsAsciiDigit(text[Position]))
                {
                    Position++;
                }

                return new IntegerLiteral(long.Parse(text.AsSpan(start, Position - start), CultureInfo.InvariantCulture));
            }

            var name = ReadIdentifier();
            SkipWhiteSpace();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipWhiteSpace();
            if (!Peek(')'))
            {
                while (true)
                {
                    arguments.Add(ParseExpression());
                    SkipWhiteSpace();
                    if (Peek(','))
                    {
                        Position++;
                        continue;
                    }

                    break;
                }
            }

            Expect(')');
            return new FunctionCall(name, arguments);
        }

        private string ReadString()
        {
            Expect('\'');
            var value = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw new FormatException("Unterminated string in an ARM expression: " + text);
                }

                var c = text[Position++];
                if (c == '\'')
                {
                    if (Peek('\''))
                    {
                        value.Append('\'');
                        Position++;
                        continue;
                    }

                    return value.ToString();
                }

                value.Append(c);
            }
        }

        private string ReadIdentifier()
        {
            var start = Position;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[Position]) || text[Position] is '_' or '$' or '#' or '-'))
            {
                Position++;
            }

            return Position > start
                ? text[start..Position]
                : throw new FormatException($"Expected a name at {start} in the ARM expression: {text}");
        }

        private bool Peek(char c) => !AtEnd && text[Position] == c;

        private void Expect(char c)
        {
            SkipWhiteSpace();
            if (!Peek(c))
            {
                throw new FormatException($"Expected '{c}' at {Position} in the ARM expression: {text}");
            }

            Position++;
        }
    }
}

internal sealed record StringLiteral(string Value) : ArmExpression;

internal sealed record IntegerLiteral(long Value) : ArmExpression;

internal sealed record FunctionCall(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;

internal sealed record PropertyAccess(ArmExpression Target, ArmExpression Property) : ArmExpression;
