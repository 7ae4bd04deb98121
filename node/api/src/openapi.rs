//! The hand-written OpenAPI 3.0 document of the API (`node/api/openapi.json`), served at
//! `/openapi.json`. Tests hold it to the routes the router serves and the error codes.

/// The document's text.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::ErrorCode;
    use crate::state::ApiLimits;
    use serde_json::Value;

    fn document() -> Value {
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON")
    }

    #[test]
    fn every_served_route_is_documented_and_every_documented_route_served() {
        let doc = document();
        let served = crate::routes::table(&ApiLimits::default()).served;
        for (method, path) in &served {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is served but not in openapi.json"
            );
        }
        let methods = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        for (path, operations) in doc["paths"].as_object().expect("paths") {
            for method in operations.as_object().expect("operations").keys() {
                if methods.contains(&method.as_str()) {
                    assert!(
                        served.iter().any(|(m, p)| m == method && p == path),
                        "{method} {path} is in openapi.json but not served"
                    );
                }
            }
        }
    }

    #[test]
    fn every_error_code_is_documented() {
        let doc = document();
        let documented: Vec<&str> = doc["components"]["schemas"]["Error"]["properties"]["error"]
            ["properties"]["code"]["enum"]
            .as_array()
            .expect("the Error schema lists its codes")
            .iter()
            .map(|code| code.as_str().expect("codes are strings"))
            .collect();
        let ours: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(
            documented, ours,
            "openapi.json's error codes differ from ErrorCode::ALL"
        );
    }

    #[test]
    fn references_resolve_and_version_matches() {
        let doc = document();
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        let mut stack = vec![&doc];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let name = target
                            .strip_prefix("#/components/schemas/")
                            .expect("local schema refs only");
                        assert!(
                            doc["components"]["schemas"][name].is_object(),
                            "dangling $ref {target}"
                        );
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
}
