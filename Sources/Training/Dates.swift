import Foundation
import TensorCore

/// The date-normalisation task: a date written in one of many human formats ("twenty-third of November 2026",
/// "23 Nov 2026", "11/23/2026", "Monday, November 23, 2026", ...) to ISO 8601 ("2026-11-23"). It needs
/// alignment (the year, month and day move to other places, months are spelled out, days are words), which is
/// what attention learns and what its heatmap shows.
package enum DateTask {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let ones = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
                       "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]

    /// The day as an ordinal word: 23 → "twenty-third".
    static func ordinalWord(_ d: Int) -> String {
        if d < 20 { return ones[d] }
        if d == 20 { return "twentieth" }
        if d == 30 { return "thirtieth" }
        return (d < 30 ? "twenty-" : "thirty-") + ones[d % 10]
    }

    /// 23 → "23rd".
    static func ordinal(_ d: Int) -> String {
        let suffix = (11...13).contains(d % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][d % 10] ?? "th"
        return "\(d)\(suffix)"
    }

    static func daysIn(_ m: Int, _ y: Int) -> Int {
        [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    /// 0 Sunday ... 6 Saturday (Zeller's congruence, Gregorian).
    static func weekday(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let (yy, mm) = m < 3 ? (y - 1, m + 12) : (y, m)
        let k = yy % 100, j = yy / 100
        let h = (d + (13 * (mm + 1)) / 5 + k + k / 4 + j / 4 + 5 * j) % 7      // 0 Saturday
        return (h + 6) % 7
    }

    /// The formats, each as a function of (year, month, day). The first ones write the numbers in the target's
    /// order or its reverse, where the alignment is known (`alignedFormats`).
    static let formats: [@Sendable (Int, Int, Int) -> String] = [
        { y, m, d in String(format: "%04d/%02d/%02d", y, m, d) },
        { y, m, d in String(format: "%02d/%02d/%04d", m, d, y) },
        { y, m, d in String(format: "%02d.%02d.%04d", d, m, y) },
        { y, m, d in "\(d) \(months[m - 1].prefix(3)) \(y)" },
        { y, m, d in "\(d) \(months[m - 1]) \(y)" },
        { y, m, d in "\(months[m - 1]) \(d), \(y)" },
        { y, m, d in "\(months[m - 1].prefix(3)) \(d), \(y)" },
        { y, m, d in "\(ordinalWord(d)) of \(months[m - 1]) \(y)" },
        { y, m, d in "the \(ordinal(d)) of \(months[m - 1]) \(y)" },
        { y, m, d in "\(weekdays[weekday(y, m, d)]), \(months[m - 1]) \(d), \(y)" },
        { y, m, d in "\(d) \(months[m - 1].prefix(3).uppercased()) \(y)" },
        { y, m, d in "\(months[m - 1].lowercased()) \(d) \(y)" },
        { y, m, d in "\(ordinal(d)) \(months[m - 1].prefix(3)) \(y)" },
        { y, m, d in "\(m)/\(d)/\(y)" },
    ]

    /// For formats 0 and 1, the input position each output character comes from (target "YYYY-MM-DD").
    package static func alignment(format: Int) -> [Int?]? {
        switch format {
        case 0: return [0, 1, 2, 3, nil, 5, 6, nil, 8, 9]                 // YYYY/MM/DD
        case 1: return [6, 7, 8, 9, nil, 0, 1, nil, 3, 4]                 // MM/DD/YYYY
        default: return nil
        }
    }

    package static var formatCount: Int { formats.count }

    /// One example: a random date between 1950 and 2049 in format `format` (random when nil).
    package static func example(_ rng: inout RandomGenerator, format: Int? = nil) -> (input: String, output: String, format: Int) {
        let y = 1950 + rng.nextInt(100), m = 1 + rng.nextInt(12), d = 1 + rng.nextInt(daysIn(m, y))
        let f = format ?? rng.nextInt(formats.count)
        return (formats[f](y, m, d), String(format: "%04d-%02d-%02d", y, m, d), f)
    }

    /// `count` distinct held-out examples (seeded).
    package static func heldOut(count: Int, seed: UInt64) -> [(input: String, output: String, format: Int)] {
        var rng = RandomGenerator(seed: seed)
        var seen = Set<String>(), out: [(input: String, output: String, format: Int)] = []
        while out.count < count {
            let e = example(&rng)
            if seen.insert(e.input).inserted { out.append(e) }
        }
        return out
    }
}
