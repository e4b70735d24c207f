import CaseworkCore
import Foundation

/// A chart drawn on the server as SVG (`partials/chart.leaf`), so it needs no JavaScript. Every shape is placed here;
/// the template only draws what it is given. Each chart carries a text alternative (the SVG's title and description)
/// and the data table it was drawn from, for people who cannot see it and for anyone who wants the figures.
struct Chart: Encodable {
    struct Rect: Encodable {
        let x: Double, y: Double, width: Double, height: Double
        /// Which series: the colour (`app-chart__series-N`).
        let series: Int
        /// Shown on hover: "2 December 2026: 3 granted".
        let tooltip: String
    }

    struct Label: Encodable {
        let x: Double, y: Double
        let text: String
        /// SVG `text-anchor`: start, middle or end.
        let anchor: String
    }

    struct Line: Encodable {
        let x1: Double, y1: Double, x2: Double, y2: Double
        /// `axis` or `grid`.
        let kind: String
    }

    struct Table: Encodable {
        let headers: [String]
        /// The first cell of a row is its header (a day, a team, a stage).
        let rows: [[String]]
    }

    let id: String
    let title: String
    let description: String
    let width: Double
    let height: Double
    let rects: [Rect]
    let labels: [Label]
    let lines: [Line]
    let table: Table
    /// Nothing to draw: the page says so instead of showing empty axes.
    let isEmpty: Bool

    /// A series of numbers, one for each category, drawn in one colour.
    struct Series {
        let name: String
        let values: [Double]
    }

    private static let legendHeight = 28.0

    /// Vertical columns, one per category (a day), with the series stacked (requests per day by outcome) or, when
    /// they are not parts of one whole, side by side (receipts and payments each day).
    static func columns(id: String, title: String, description: String, categories: [String], categoryNames: [String],
                        series: [Series], stacked: Bool = true, valueText: (Double) -> String = Chart.number) -> Chart {
        let width = 680.0, plotTop = legendHeight + 12, plotHeight = 220.0, right = 10.0
        let totals = categories.indices.map { i in series.reduce(0) { $0 + $1.values[i] } }
        let tallest = stacked ? totals.max() : series.flatMap(\.values).max()
        let scale = Scale(maximum: tallest ?? 0)
        // Room for the longest value on the axis (about 7.5 units a character at this size).
        let left = max(36, Double(scale.ticks.map { valueText($0).count }.max() ?? 1) * 7.5 + 14)
        let plotWidth = width - left - right
        let slot = plotWidth / Double(max(categories.count, 1))
        let barWidth = max(1, slot * 0.75)
        let baseline = plotTop + plotHeight
        var rects: [Rect] = [], labels: [Label] = [], lines: [Line] = []
        for tick in scale.ticks {
            let y = baseline - plotHeight * tick / scale.top
            lines.append(Line(x1: left, y1: y, x2: width - right, y2: y, kind: tick == 0 ? "axis" : "grid"))
            labels.append(Label(x: left - 6, y: y + 4, text: valueText(tick), anchor: "end"))
        }
        for (i, _) in categories.enumerated() {
            var top = baseline
            let x = left + Double(i) * slot + (slot - barWidth) / 2
            let eachWidth = stacked ? barWidth : barWidth / Double(series.count)
            for (s, one) in series.enumerated() where one.values[i] > 0 {
                let height = plotHeight * one.values[i] / scale.top
                top = stacked ? top - height : baseline - height
                rects.append(Rect(x: stacked ? x : x + Double(s) * eachWidth, y: top, width: eachWidth, height: height, series: s,
                                  tooltip: "\(categoryNames[i]): \(valueText(one.values[i])) \(one.name.lowercased())"))
            }
        }
        // Label the first day, the last, and evenly between, so the labels never run into each other.
        let every = max(1, Int((Double(categories.count) / 6).rounded(.up)))
        for i in categories.indices where i % every == 0 || i == categories.count - 1 {
            if i == categories.count - 1 && i % every != 0 && i % every < every / 2 { continue }
            labels.append(Label(x: left + Double(i) * slot + slot / 2, y: baseline + 18, text: categories[i], anchor: "middle"))
        }
        let (legendRects, legendLabels) = legend(series.map(\.name))
        let table = Table(headers: ["Day"] + series.map(\.name) + (stacked ? ["Total"] : []),
                          rows: categories.indices.map { i in
                              [categoryNames[i]] + series.map { valueText($0.values[i]) } + (stacked ? [valueText(totals[i])] : [])
                          })
        return Chart(id: id, title: title, description: description, width: width, height: baseline + 28,
                     rects: legendRects + rects, labels: legendLabels + labels, lines: lines, table: table, isEmpty: totals.allSatisfy { $0 == 0 })
    }

    /// Horizontal bars, one row per category (a stage, a team), the series side by side within a row.
    static func bars(id: String, title: String, description: String, categories: [String], series: [Series], unit: String,
                     headers: [String]? = nil, isEmpty: Bool? = nil) -> Chart {
        let width = 680.0, labelWidth = 210.0, right = 60.0, barHeight = 18.0, gap = 12.0
        let plotTop = (series.count > 1 ? legendHeight : 0) + 10
        let scale = Scale(maximum: series.flatMap(\.values).max() ?? 0)
        let plotWidth = width - labelWidth - right
        let rowHeight = Double(series.count) * barHeight + gap
        var rects: [Rect] = [], labels: [Label] = []
        for (i, category) in categories.enumerated() {
            let rowTop = plotTop + Double(i) * rowHeight
            labels.append(Label(x: labelWidth - 8, y: rowTop + Double(series.count) * barHeight / 2 + 5, text: Self.shortened(category), anchor: "end"))
            for (s, one) in series.enumerated() {
                let y = rowTop + Double(s) * barHeight
                let length = plotWidth * one.values[i] / scale.top
                if one.values[i] > 0 {
                    rects.append(Rect(x: labelWidth, y: y + 1, width: length, height: barHeight - 2, series: s,
                                      tooltip: "\(category): \(one.name.lowercased()) \(Self.number(one.values[i])) \(unit)"))
                }
                labels.append(Label(x: labelWidth + length + 5, y: y + barHeight - 5, text: Self.number(one.values[i]), anchor: "start"))
            }
        }
        let bottom = plotTop + Double(categories.count) * rowHeight
        let lines = [Line(x1: labelWidth, y1: plotTop - 4, x2: labelWidth, y2: bottom - gap + 4, kind: "axis")]
        let (legendRects, legendLabels) = series.count > 1 ? legend(series.map(\.name)) : ([], [])
        let table = Table(headers: headers ?? ([""] + series.map(\.name)),
                          rows: categories.indices.map { i in [categories[i]] + series.map { Self.number($0.values[i]) } })
        return Chart(id: id, title: title, description: description, width: width, height: bottom,
                     rects: legendRects + rects, labels: legendLabels + labels, lines: lines, table: table,
                     isEmpty: isEmpty ?? series.allSatisfy { $0.values.allSatisfy { $0 == 0 } })
    }

    /// A key above the plot: a swatch and a name for each series.
    private static func legend(_ names: [String]) -> ([Rect], [Label]) {
        var rects: [Rect] = [], labels: [Label] = [], x = 0.0
        for (s, name) in names.enumerated() {
            rects.append(Rect(x: x, y: 6, width: 14, height: 14, series: s, tooltip: name))
            labels.append(Label(x: x + 20, y: 18, text: name, anchor: "start"))
            x += 34 + Double(name.count) * 7.5
        }
        return (rects, labels)
    }

    /// A day `2026-12-02` as "2 December 2026", for tables and text alternatives.
    static func dayName(_ text: String) -> String {
        CaseworkTime.parse(text).map { CaseworkTime.longDate($0.addingTimeInterval(12 * 3600)) } ?? text
    }

    /// A day `2026-12-02` as "2 Dec", for an axis.
    static func shortDayName(_ text: String) -> String {
        let long = dayName(text).split(separator: " ")
        return long.count == 3 ? "\(long[0]) \(long[1].prefix(3))" : text
    }

    /// Whole numbers without a decimal point; others to one place.
    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Team names run long; the chart shows the start and the table the whole name.
    private static func shortened(_ text: String) -> String {
        text.count <= 28 ? text : String(text.prefix(26)) + "…"
    }

    /// A value axis from 0 to a round number at or above the largest value, in steps of 1, 2 or 5 times a power of ten.
    struct Scale {
        let top: Double
        let ticks: [Double]

        init(maximum: Double) {
            guard maximum > 0 else {
                top = 1
                ticks = [0, 1]
                return
            }
            let rough = maximum / 4
            let power = pow(10, floor(log10(rough)))
            let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
            let wholeStep = max(step, 1)
            top = (maximum / wholeStep).rounded(.up) * wholeStep
            ticks = stride(from: 0, through: top, by: wholeStep).map { $0 }
        }
    }
}

/// A chart's shapes build their own Leaf data (`LeafObjectWritable`): a chart is a few hundred of them.
extension Chart.Rect: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.x, x)
        object.write(CodingKeys.y, y)
        object.write(CodingKeys.width, width)
        object.write(CodingKeys.height, height)
        object.write(CodingKeys.series, series)
        object.write(CodingKeys.tooltip, tooltip)
    }
}

extension Chart.Label: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.x, x)
        object.write(CodingKeys.y, y)
        object.write(CodingKeys.text, text)
        object.write(CodingKeys.anchor, anchor)
    }
}

extension Chart.Line: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.x1, x1)
        object.write(CodingKeys.y1, y1)
        object.write(CodingKeys.x2, x2)
        object.write(CodingKeys.y2, y2)
        object.write(CodingKeys.kind, kind)
    }
}
