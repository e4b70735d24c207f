import CaseworkCore
import Vapor

/// What a form-field partial (`partials/text-input.leaf`) draws one field from: its name (also its id), what was
/// typed, and its error if any. The label, hint and widths stay in the page's template, as `#export`s to the partial:
///
///     #extend("partials/text-input", fields.phone):
///       #export("label"):Phone#endexport
///       #export("inputClasses"):govuk-input--width-20#endexport
///     #endextend
///
/// Leaf gives a partial one value as its context, so `Pages.render` gathers these for a page whose content is a
/// `FormPage`: one for every property of its `formValues`, each with the error the page is shown with.
struct FieldState: Encodable {
    let name: String
    let value: String
    let error: String?
    /// A `YYYY-MM-DD` value in GOV.UK's three date boxes (`partials/date-input.leaf`); blank for other values.
    let day: String
    let month: String
    let year: String

    /// The options of a radios or checkboxes field (`partials/radios.leaf`, `partials/checkboxes.leaf`), those typed
    /// selected; empty for other fields.
    let choices: [Choice]
    /// The most characters the field takes (`partials/character-count.leaf`); nil for fields without a count.
    let maxLength: Int?

    /// `values` are what was typed: one for most fields, any number for checkboxes; `value` shows them joined.
    init(name: String, values: [String], error: String?, choices: [Choice] = [], maxLength: Int? = nil) {
        self.name = name
        self.value = values.joined(separator: ", ")
        self.error = error
        (day, month, year) = CaseworkTime.dayParts(value)
        let typed = Set(values)
        self.choices = choices.map { Choice(id: $0.id, name: $0.name, selected: typed.contains($0.id), hint: $0.hint) }
        self.maxLength = maxLength
    }

    /// A field for every stored property of `values` (a form's typed values), blank when nothing was typed. The
    /// properties of a `FormFieldGroup` among them are fields of the form itself, as its JSON has them.
    static func all(from values: Any, errors: [String: String], choices: [String: [Choice]] = [:], limits: [String: Int] = [:])
        -> [String: FieldState] {
        var fields: [String: FieldState] = [:]
        for child in Mirror(reflecting: values).children {
            if child.value is any FormFieldGroup {
                fields.merge(all(from: child.value, errors: errors, choices: choices, limits: limits)) { _, inner in inner }
                continue
            }
            guard let name = child.label else { continue }
            fields[name] = FieldState(name: name, values: texts(child.value), error: errors[name], choices: choices[name] ?? [], maxLength: limits[name])
        }
        return fields
    }

    /// A typed value as the form shows it again: optionals unwrapped and absent as none, a list (checkboxes) as
    /// each of its items.
    private static func texts(_ value: Any) -> [String] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first?.value else { return [] }
            return texts(wrapped)
        case .collection, .set:
            return mirror.children.flatMap { texts($0.value) }
        default:
            return ["\(value)"]
        }
    }
}

/// A group of a form's fields kept in one value and sent beside the others (`NewAccessRequest.input`): its
/// properties are the form's fields.
protocol FormFieldGroup {}

extension AccessRequestInput: FormFieldGroup {}

/// A page with a form: its `formValues` (a struct of what was typed) give the page's `fields`, `formChoices` the
/// options of its radios and checkboxes, `formLimits` the length of those with a character count, and `formDates`
/// those drawn as GOV.UK date inputs, by field name.
protocol FormPage {
    var formValues: Any { get }
    var formChoices: [String: [Choice]] { get }
    var formLimits: [String: Int] { get }
    var formDates: Set<String> { get }
}

extension FormPage {
    var formChoices: [String: [Choice]] { [:] }
    var formLimits: [String: Int] { [:] }
    var formDates: Set<String> { [] }
}

/// GOV.UK's date input (`partials/date-input.leaf`) sends a date as three boxes, `<field>-day`, `-month` and `-year`;
/// the rules and the API read one `YYYY-MM-DD`.
enum DateInput {
    /// The date typed into `field`'s three boxes, as `YYYY-MM-DD`; without any of the boxes, the field's own value
    /// (links, such as a CSV's or a bookmarked period, carry `from=2026-11-01`). `read` gets one form or query value.
    static func typed(_ field: String, _ read: (String) -> String?) -> String? {
        let parts = ["day", "month", "year"].map { read("\(field)-\($0)") }
        guard parts.contains(where: { $0 != nil }) else { return read(field) }
        return CaseworkTime.dayText(day: parts[0], month: parts[1], year: parts[2])
    }

    /// A date field of a query (a filter form sent by GET).
    static func query(_ req: Request, _ field: String) -> String? {
        typed(field) { try? req.query.get(String.self, at: $0) }
    }

    /// A date field of a posted form.
    static func content(_ req: Request, _ field: String) -> String? {
        typed(field) { try? req.content.get(String.self, at: $0) }
    }

    /// The error summary links to the day box: GOV.UK's pattern, and the container is not focusable.
    static func anchor(_ field: String) -> String { "\(field)-day" }
}
