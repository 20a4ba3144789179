//! Fixed word lists the seeded account is drawn from: people and organisation in
//! `people.rs`, services, incidents and hostile strings in `ops.rs`.

pub mod ops;
pub mod people;
