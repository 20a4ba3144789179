//! The registry of OAuth clients: which client ids exist, their exact redirect URIs and, for
//! confidential clients, their secrets.

use crate::config::ClientRegistration;

/// One OAuth client with all its redirect URIs.
#[derive(Clone, Debug)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// Allowed redirect URIs, compared byte for byte.
    pub redirect_uris: Vec<String>,
    /// Secret of a confidential client.
    secret: Option<String>,
}

impl Client {
    /// Whether `uri` is exactly one of the registered redirect URIs.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether the client must authenticate with a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }

    /// Whether `presented` equals the secret (compared in constant time).
    pub fn secret_matches(&self, presented: &str) -> bool {
        self.secret
            .as_deref()
            .is_some_and(|secret| constant_time_eq(secret.as_bytes(), presented.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// All registered clients, in registration order.
#[derive(Clone, Debug, Default)]
pub struct ClientRegistry {
    clients: Vec<Client>,
}

impl ClientRegistry {
    /// Groups registrations by client id (validated beforehand by `SimConfig::validate`).
    pub fn new(registrations: &[ClientRegistration]) -> Self {
        let mut clients: Vec<Client> = Vec::new();
        for reg in registrations {
            match clients.iter_mut().find(|c| c.id == reg.client_id) {
                Some(client) => {
                    if !client.allows_redirect(&reg.redirect_uri) {
                        client.redirect_uris.push(reg.redirect_uri.clone());
                    }
                }
                None => clients.push(Client {
                    id: reg.client_id.clone(),
                    redirect_uris: vec![reg.redirect_uri.clone()],
                    secret: reg.secret.clone(),
                }),
            }
        }
        Self { clients }
    }

    /// The client with this id.
    pub fn get(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Every client.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.clients.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_redirect_uris_and_checks_secrets() {
        let registry = ClientRegistry::new(&[
            ClientRegistration::public("a", "http://h/1"),
            ClientRegistration::public("a", "http://h/2"),
            ClientRegistration::confidential("b", "http://h/3", "s3cret"),
        ]);
        let a = registry.get("a").expect("a");
        assert!(a.allows_redirect("http://h/2") && !a.allows_redirect("http://h/2/"));
        assert!(!a.is_confidential() && !a.secret_matches(""));
        let b = registry.get("b").expect("b");
        assert!(b.secret_matches("s3cret") && !b.secret_matches("s3cre") && !b.secret_matches("s3cret!"));
        assert!(registry.get("c").is_none());
    }
}
