// Package sepa holds the rules of the Single Euro Payments Area that Kontor
// needs everywhere else, independent of storage, transport and providers.
//
// It covers:
//
//   - account identifiers: IBAN (ISO 13616, with per-country BBAN structure,
//     bank and branch codes) and BIC (ISO 9362);
//   - the SEPA creditor identifier (CI) used in direct debit mandates;
//   - the SEPA Latin character set for identifiers, names and remittance
//     information, with transliteration into it;
//   - amounts as int64 minor units (euro cents), formatted without floats;
//   - the TARGET inter-bank calendar, used to count D-1, D+1 and D+5 style
//     deadlines;
//   - the SEPA Direct Debit time windows (refunds, mandate lapse,
//     pre-notification) counted in calendar days or months;
//   - reason codes of SDD R-transactions and SCT recalls.
//
// The scheme covers 41 countries: the EU member states, Iceland,
// Liechtenstein and Norway (together the EEA), Switzerland, the United
// Kingdom, Monaco, San Marino, Andorra, Vatican City, Albania, Montenegro,
// North Macedonia, Moldova and Serbia. Gibraltar has IBANs of its own and is
// treated as a scheme country here; other territories (Åland, the French
// overseas departments, the Azores, the Canaries, the Channel Islands and
// others) use their parent country's IBANs and need no entry of their own.
//
// The package imports only the standard library. Parsers normalise their
// input (spaces removed, ASCII letters upper-cased) and report failures with
// sentinel errors that callers can match with errors.Is to choose an API
// error code.
package sepa
