import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ProtoGrpcType } from './generated/accounts';

const PROTO_PATH = __dirname + '/../../protos/accounts.proto';
const packageDefinition = protoLoader.loadSync(PROTO_PATH);
const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;

const client = new proto.accounts.v1.AccountsService(
  'localhost:50051',
  grpc.credentials.createInsecure()
);

// Create Account Example
const createAccount = () => {
  const request = {
    name: 'John Doe',
    email: 'john@example.com',
    password: 'securepassword123'
  };

  client.createAccount(request, (error, response) => {
    if (error) {
      console.error('Error:', error);
      return;
    }
    console.log('Account created:', response);
  });
};

// Not in the seed (which only defines createAccount): the one added line.
createAccount();
