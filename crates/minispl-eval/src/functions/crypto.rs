//! Cryptographic functions: `md5`, `sha1`, `sha256`, `sha512`: lower-case hex digests of
//! the value's text (a number hashes its rendering). Null in, null out; a multivalue is
//! not supported (null, R6.16).

use super::{text, Function};
use crate::value::Value;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub const FUNCTIONS: &[Function] = &[
    Function::eager("md5", 1, Some(1), |a, _| Ok(digest::<Md5>(&a[0]))),
    Function::eager("sha1", 1, Some(1), |a, _| Ok(digest::<Sha1>(&a[0]))),
    Function::eager("sha256", 1, Some(1), |a, _| Ok(digest::<Sha256>(&a[0]))),
    Function::eager("sha512", 1, Some(1), |a, _| Ok(digest::<Sha512>(&a[0]))),
];

fn digest<D: Digest>(v: &Value) -> Value {
    let Some(s) = text(v) else {
        return Value::Null;
    };
    let bytes = D::digest(s.as_bytes());
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    Value::from(out)
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::value::Value;

    #[test]
    fn known_digests() {
        assert_eq!(
            eval(call("md5", vec![s("abc")])),
            Value::str("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            eval(call("sha1", vec![s("abc")])),
            Value::str("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            eval(call("sha256", vec![s("abc")])),
            Value::str("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        let sha512 = eval(call("sha512", vec![s("abc")]));
        assert!(sha512
            .render()
            .is_some_and(|s| s.starts_with("ddaf35a193617aba")));
    }

    #[test]
    fn numbers_hash_their_rendering_null_and_mv_give_null() {
        assert_eq!(
            eval(call("md5", vec![num(1.0)])),
            eval(call("md5", vec![s("1")]))
        );
        assert_eq!(eval(call("md5", vec![f("none")])), Value::Null);
        let r = row(&[("m", "a|b")]);
        assert_eq!(eval_in(call("sha1", vec![f("m")]), &r), Value::Null);
    }
}
