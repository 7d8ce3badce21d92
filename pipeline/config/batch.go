package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// BatchSize is the batch field: frames per detector call, or BatchAuto.
type BatchSize int

// BatchAuto is batch = "auto": each pass sizes its batch when it starts
// (see autoBatch) and the detector halves it when the GPU runs out of memory.
const BatchAuto BatchSize = 0

var batchSizeType = reflect.TypeOf(BatchSize(0))

func (b BatchSize) String() string {
	if b == BatchAuto {
		return "auto"
	}
	return strconv.Itoa(int(b))
}

// Max returns the batch, or limit (batch_max) for "auto": the most it may
// be.
func (b BatchSize) Max(limit int) int {
	if b == BatchAuto {
		return limit
	}
	return int(b)
}

func parseBatch(s string) (BatchSize, error) {
	if s == "auto" {
		return BatchAuto, nil
	}
	return 0, fmt.Errorf(`want a number of frames or "auto", got %s`, tomlString(s))
}

// UnmarshalTOML takes an integer >= 1 or the string "auto".
func (b *BatchSize) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x < 1 {
			return fmt.Errorf(`batch: must be >= 1 or "auto", got %d`, x)
		}
		*b = BatchSize(x)
		return nil
	case string:
		n, err := parseBatch(x)
		if err != nil {
			return fmt.Errorf("batch: %v", err)
		}
		*b = n
		return nil
	}
	return fmt.Errorf(`batch: want a number of frames or "auto", got %v`, v)
}

// MarshalJSON writes the number, or "auto".
func (b BatchSize) MarshalJSON() ([]byte, error) {
	if b == BatchAuto {
		return []byte(`"auto"`), nil
	}
	return []byte(strconv.Itoa(int(b))), nil
}

// UnmarshalJSON reads a number or "auto".
func (b *BatchSize) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		n, err := parseBatch(s)
		if err != nil {
			return err
		}
		*b = n
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf(`batch: want a number of frames or "auto": %v`, err)
	}
	*b = BatchSize(n)
	return nil
}
