import CaseworkCore

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

    /// The options of a radios field (`partials/radios.leaf`), the one typed selected; empty for other fields.
    let choices: [Choice]

    init(name: String, value: String, error: String?, choices: [Choice] = []) {
        self.name = name
        self.value = value
        self.error = error
        (day, month, year) = CaseworkTime.dayParts(value)
        self.choices = choices.map { Choice(id: $0.id, name: $0.name, selected: $0.id == value) }
    }

    /// A field for every stored property of `values` (a form's typed values), blank when nothing was typed.
    static func all(from values: Any, errors: [String: String], choices: [String: [Choice]] = [:]) -> [String: FieldState] {
        var fields: [String: FieldState] = [:]
        for child in Mirror(reflecting: values).children {
            guard let name = child.label else { continue }
            fields[name] = FieldState(name: name, value: text(child.value), error: errors[name], choices: choices[name] ?? [])
        }
        return fields
    }

    /// A typed value as the form shows it again: optionals unwrapped, absent as blank.
    private static func text(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return "" }
            return text(wrapped)
        }
        return "\(value)"
    }
}

/// A page with a form: its `formValues` (a struct of what was typed) give the page's `fields`, and `formChoices` the
/// options of its radios, by field name.
protocol FormPage {
    var formValues: Any { get }
    var formChoices: [String: [Choice]] { get }
}

extension FormPage {
    var formChoices: [String: [Choice]] { [:] }
}
