package sessions

import "encoding/json"

// toMap turns a profile struct into a map so extra keys can be added.
func toMap(v any) (map[string]any, error) {
	encoded, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, json.Unmarshal(encoded, &out)
}
