# Replica of the article's Flask counter (the baseline Surge replaces). Only change: 127.0.0.1 and a port argument.
import sys
from threading import Lock
from flask import Flask, jsonify

app = Flask(__name__)
load_counter = 0
lock = Lock()

def increment_counter():
    global load_counter
    with lock:
        load_counter += 1
        return load_counter

@app.route('/simulate', methods=['POST'])
def simulate_load():
    count = increment_counter()
    return jsonify({'status': 'success', 'load': count})

if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1 else 18090, threaded=True)
