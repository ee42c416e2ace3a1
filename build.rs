//! The migrations are SQL files that `refinery::embed_migrations!` reads at compile
//! time; Cargo does not see them, so without this a changed or added migration would not
//! rebuild the binary.

fn main() {
    println!("cargo:rerun-if-changed=src/store/sqlite/migrations");
    println!("cargo:rerun-if-changed=src/store/postgres/migrations");
}
