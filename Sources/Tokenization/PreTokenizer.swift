/// Splits text into pieces before BPE.
///
/// `.gpt2`: the GPT-2 pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
/// `.smollm`: first every character of category N (Nd, Nl, No) becomes its own piece, then the GPT-2 pattern
/// (llama.cpp's SMOLLM pre-type; Hugging Face's Digits(individual_digits) + ByteLevel).
/// `.llama3`: Llama 3's pattern (llama.cpp's `llama-bpe`)
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
/// `.qwen2`: the same with `\p{N}` (one digit a piece) in place of `\p{N}{1,3}` (Qwen2, Qwen2.5, Qwen3).
/// Each pattern is written as a scanner over Unicode scalars with the same leftmost-alternative semantics.
package enum PreTokenizer: String, Sendable {
    case gpt2
    case smollm
    case llama3
    case qwen2

    package func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        switch self {
        case .gpt2:
            Self.gpt2Pieces(scalars[...], into: &pieces)
        case .smollm:
            var start = 0
            for (i, s) in scalars.enumerated() where s.isNumber {
                if start < i { Self.gpt2Pieces(scalars[start..<i], into: &pieces) }
                pieces.append(String(s))
                start = i + 1
            }
            if start < scalars.count { Self.gpt2Pieces(scalars[start...], into: &pieces) }
        case .llama3:
            Self.llama3Pieces(scalars[...], maxDigits: 3, into: &pieces)
        case .qwen2:
            Self.llama3Pieces(scalars[...], maxDigits: 1, into: &pieces)
        }
        return pieces
    }

    /// The Llama 3 / Qwen2 pattern; `maxDigits` is the longest run of numbers one piece takes.
    static func llama3Pieces(_ s: ArraySlice<Unicode.Scalar>, maxDigits: Int, into pieces: inout [String]) {
        var i = s.startIndex
        let end = s.endIndex
        func piece(_ a: Int, _ b: Int) {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[a..<b])
            pieces.append(String(v))
        }
        func run(from j: Int, while pred: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < end && pred(s[k]) { k += 1 }
            return k
        }
        func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\r" || c == "\n" }
        func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
            c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c
        }
        while i < end {
            let c = s[i]
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if c == "'" && i + 1 < end {
                let n1 = lower(s[i + 1])
                if n1 == "s" || n1 == "t" || n1 == "m" || n1 == "d" { piece(i, i + 2); i += 2; continue }
                if i + 2 < end {
                    let n2 = lower(s[i + 2])
                    if (n1 == "r" && n2 == "e") || (n1 == "v" && n2 == "e") || (n1 == "l" && n2 == "l") {
                        piece(i, i + 3); i += 3; continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if c.isLetter { let j = run(from: i, while: { $0.isLetter }); piece(i, j); i = j; continue }
            if !isNewline(c) && !c.isNumber && i + 1 < end && s[i + 1].isLetter {
                let j = run(from: i + 1, while: { $0.isLetter }); piece(i, j); i = j; continue
            }
            // \p{N}{1,maxDigits}
            if c.isNumber {
                var j = i + 1
                while j < end && j - i < maxDigits && s[j].isNumber { j += 1 }
                piece(i, j); i = j; continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            func isSymbol(_ x: Unicode.Scalar) -> Bool { !x.properties.isWhitespace && !x.isLetter && !x.isNumber }
            let body = c == " " ? i + 1 : i
            if body < end && isSymbol(s[body]) {
                var j = run(from: body, while: isSymbol)
                j = run(from: j, while: isNewline)
                piece(i, j); i = j; continue
            }
            // Whitespace from here on (c is a space not followed by a symbol, or another whitespace).
            let j = run(from: i, while: { $0.properties.isWhitespace })
            // \s*[\r\n]+: up to and including the last newline of the run.
            if let last = s[i..<j].lastIndex(where: isNewline) { piece(i, last + 1); i = last + 1; continue }
            // \s+(?!\S) leaves the last whitespace to the next piece when a non-space follows; else \s+.
            if j < end && j - i > 1 { piece(i, j - 1); i = j - 1; continue }
            piece(i, j); i = j
        }
    }

    static func gpt2Pieces(_ s: ArraySlice<Unicode.Scalar>, into pieces: inout [String]) {
        var i = s.startIndex
        let end = s.endIndex
        func piece(_ a: Int, _ b: Int) {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[a..<b])
            pieces.append(String(v))
        }
        func run(from j: Int, while pred: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < end && pred(s[k]) { k += 1 }
            return k
        }
        while i < end {
            let c = s[i]
            // 's 't 're 've 'm 'll 'd (lowercase, ASCII apostrophe)
            if c == "'" && i + 1 < end {
                let n1 = s[i + 1]
                if n1 == "s" || n1 == "t" || n1 == "m" || n1 == "d" { piece(i, i + 2); i += 2; continue }
                if i + 2 < end {
                    let n2 = s[i + 2]
                    if (n1 == "r" && n2 == "e") || (n1 == "v" && n2 == "e") || (n1 == "l" && n2 == "l") {
                        piece(i, i + 3); i += 3; continue
                    }
                }
            }
            // An optional single space before a letter, number or punctuation run.
            let body = c == " " && i + 1 < end ? i + 1 : i
            let b = s[body]
            if body < end && (body == i || c == " ") {
                if b.isLetter { let j = run(from: body, while: { $0.isLetter }); piece(i, j); i = j; continue }
                if b.isNumber { let j = run(from: body, while: { $0.isNumber }); piece(i, j); i = j; continue }
                if !b.properties.isWhitespace {
                    let j = run(from: body, while: { !$0.properties.isWhitespace && !$0.isLetter && !$0.isNumber })
                    piece(i, j); i = j; continue
                }
            }
            // Whitespace: \s+(?!\S) leaves the last space to the next piece when a non-space follows; else \s+.
            let j = run(from: i, while: { $0.properties.isWhitespace })
            if j < end && j - i > 1 { piece(i, j - 1); i = j - 1; continue }
            piece(i, j); i = j
        }
    }
}

extension Unicode.Scalar {
    var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    var isNumber: Bool {
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
